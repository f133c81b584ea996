"""SQL injection attempts in every search and filter of the API: each text query
parameter of each list route, as an owner, with acme's rows in every table. Nothing
breaks (no 5xx), nothing matches that should not (a literal that no row holds finds no
row), and every table is still there afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from kefu.models import Customer, Message, Order
from tests.api.test_tenant_isolation import acme  # noqa: F401  (the seed: shared fixture)

PAYLOADS = [
    "' OR '1'='1",
    "%' OR 1=1 --",
    "x'; DROP TABLE customers; --",
    '" OR ""="',
    "1) OR (1=1",
    "%",
    "_",
    "\\",
    "退货' UNION SELECT id, name FROM users --",
]
# Parameters that find rows containing or equal to the text given: an injected literal
# matches no row. (Others, such as sort orders or a language, are refused or ignored.)
TEXT_FILTERS = frozenset({"q", "tag", "external_id", "code", "tracking_no", "category"})


def _text_params(operation: dict[str, Any]) -> list[str]:
    """The query parameters of an operation that take free text."""
    names = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        kinds = [schema, *schema.get("anyOf", [])]
        if any(k.get("type") == "string" and "enum" not in k and "format" not in k for k in kinds):
            names.append(parameter["name"])
    return names


def searchable_routes(app) -> list[tuple[str, str]]:
    """(path, parameter) for every GET list route without path parameters."""
    found = []
    for path, item in app.openapi()["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        found.extend((path, name) for name in _text_params(operation))
    return found


async def _counts(sessionmaker) -> tuple[int, int, int]:
    async with sessionmaker() as session:
        return tuple(
            [
                await session.scalar(select(func.count()).select_from(model))
                for model in (Customer, Order, Message)
            ]
        )


async def test_injection_in_every_text_filter_finds_nothing_and_breaks_nothing(
    app,
    client,
    owen,
    acme,  # noqa: F811
    sessionmaker,
):
    routes = searchable_routes(app)
    assert ("/api/v1/customers", "q") in routes, "route discovery found too little"
    before = await _counts(sessionmaker)
    async with client.as_(owen) as api:
        for path, name in routes:
            for payload in PAYLOADS:
                answer = await api.get(path, params={name: payload})
                assert answer.status_code < 500, (path, name, payload, answer.text)
                if name in TEXT_FILTERS and payload not in ("%", "_") and answer.status_code == 200:
                    body = answer.json()
                    items = body.get("items", body) if isinstance(body, dict) else body
                    assert items == [], (path, name, payload)
    assert await _counts(sessionmaker) == before
    assert all(before), "the seed had rows to lose"


@pytest.mark.parametrize("wildcard", ["%", "_%_"])
async def test_like_wildcards_are_matched_literally(client, owen, acme, wildcard):  # noqa: F811
    """A shopper's name has no % in it: searching for % finds nobody, not everybody."""
    async with client.as_(owen) as api:
        found = await api.get("/api/v1/customers", params={"q": wildcard})
    assert found.status_code == 200
    assert found.json()["items"] == []
