"""A shop with the demo FAQ, its hours set so the shop is closed (or open) right now,
and shoppers talking to it through the widget."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kefu.demo.faq import FAQ
from tests.chat.conftest import (
    Shopper,
    make_shopper,
    server,  # noqa: F401  (shared fixture)
)
from tests.knowledge.fake_llm import (  # noqa: F401  (shared fixtures)
    fake_llm,
    llm_on,
)

CLOSED: dict[str, list[list[str]]] = {}
OPEN = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def seed_faq(client, owner, *, mode: str = "after_hours", hours=CLOSED) -> None:
    api = client.as_(owner)
    rows = [
        {"question": q, "similar": list(similar), "answer": answer, "category": category}
        for q, similar, answer, category, _stage in FAQ
    ]
    assert (await api.post("/api/v1/kb/faqs/import", json=rows)).status_code == 200
    assert (await api.patch("/api/v1/shop/bot", json={"mode": mode})).status_code == 200
    assert (await api.put("/api/v1/shop/business-hours", json={"hours": hours})).status_code == 200


async def say(client, shopper: Shopper, text: str, client_id: str | None = None) -> Any:
    response = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": client_id or str(uuid.uuid4()), "body": text},
        headers=shopper.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def shopper_sees(client, shopper: Shopper) -> list[dict[str, Any]]:
    """The conversation as the widget shows it, oldest first."""
    page = await client.get(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        headers=shopper.headers,
    )
    return list(reversed(page.json()["items"]))


async def staff_sees(client, persona, conversation_id: int) -> list[dict[str, Any]]:
    page = await client.as_(persona).get(f"/api/v1/conversations/{conversation_id}/messages")
    return list(reversed(page.json()["items"]))


@pytest.fixture
async def closed_shop(client, owen) -> None:
    await seed_faq(client, owen)


@pytest.fixture
async def shopper(client, personas) -> Shopper:
    return await make_shopper(client)
