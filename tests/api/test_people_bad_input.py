"""Odd input to the people and settings routes is a readable 4xx, never a server error."""

from __future__ import annotations

import pytest

HUGE = 99999999999999999999  # beyond any database integer

BAD_REQUESTS = [
    ("GET", f"/api/v1/agents/{HUGE}", None, None, "agent_id"),
    ("PATCH", "/api/v1/agents/{me}", None, {"team_ids": [HUGE]}, "team_ids.0"),
    ("POST", "/api/v1/teams", None, {"name": "大组", "agent_ids": [HUGE]}, "agent_ids.0"),
    ("GET", "/api/v1/agents", {"team_id": HUGE}, None, "team_id"),
    ("GET", "/api/v1/agents", {"q": "小\x00美"}, None, None),
    ("GET", "/api/v1/audit", {"entity": "agent\x00"}, None, None),
    ("POST", "/api/v1/teams", None, {"name": "售后\x00组"}, None),
    ("POST", "/api/v1/teams", None, {"name": "售后\t组"}, "name"),
    ("PATCH", "/api/v1/shop", None, {"name": "旗舰\n店"}, "name"),
    (
        "POST",
        "/api/v1/agents",
        None,
        {"email": "no-domain@", "name": "小李", "password": "mima-1234"},
        "email",
    ),
    ("DELETE", "/api/v1/shop/holidays/0", None, None, "holiday_id"),
]


@pytest.mark.parametrize(("method", "path", "params", "body", "field"), BAD_REQUESTS)
async def test_bad_input_is_a_readable_4xx(client, owen, method, path, params, body, field):
    response = await client.as_(owen).request(
        method, path.format(me=owen.agent_id), params=params, json=body
    )
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["field"] == field


async def test_an_escaped_backslash_before_u0000_is_ordinary_text(client, owen):
    response = await client.as_(owen).post("/api/v1/teams", json={"name": "组\\u0000"})
    assert response.status_code == 201
    assert response.json()["name"] == "组\\u0000"
