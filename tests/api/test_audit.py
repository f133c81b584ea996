"""The audit log: every write by a person or key, who/what/before/after, no secrets."""

from __future__ import annotations

import pytest

from tests.factories import team_renames_around_1_november

NEW_AGENT = {
    "email": "ajie@acme.example",
    "name": "阿杰",
    "password": "shouci-denglu-88",
    "skills": ["aftersale"],
}


async def _audit(client, owner, **params) -> list[dict]:
    response = await client.as_(owner).get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_agent_changes_are_audited_with_who_before_and_after(client, owen, carol):
    api = client.as_(carol)
    agent_id = (await api.post("/api/v1/agents", json=NEW_AGENT)).json()["id"]
    await api.patch(
        f"/api/v1/agents/{agent_id}", json={"max_concurrent_chats": 8, "display_name": "阿杰"}
    )
    entries = await _audit(client, owen, entity="agent")
    assert [e["action"] for e in entries] == ["agent.update", "agent.create"]
    update, create = entries
    assert (update["actor_kind"], update["actor_id"], update["actor_label"]) == (
        "agent",
        carol.agent_id,
        "Carol",
    )
    assert update["entity_id"] == str(agent_id)
    assert update["before"]["max_concurrent_chats"] == 5
    assert update["after"]["max_concurrent_chats"] == 8
    assert "display_name" not in update["after"]  # unchanged fields are left out
    assert create["before"] is None
    assert create["after"]["email"] == "ajie@acme.example"
    assert create["after"]["skills"] == ["aftersale"]


async def test_no_secret_ever_reaches_the_audit_log(client, owen, bob):
    api = client.as_(owen)
    await api.post("/api/v1/agents", json=NEW_AGENT)
    temporary = (await api.post(f"/api/v1/agents/{bob.agent_id}/reset-password")).json()
    key = (await api.post("/api/v1/api-keys", json={"name": "ERP"})).json()
    await api.post(f"/api/v1/api-keys/{key['id']}/revoke")
    await api.patch("/api/v1/shop", json={"name": "Acme 新店名"})
    text = (await api.get("/api/v1/audit")).text
    for secret in (
        NEW_AGENT["password"],
        temporary["temporary_password"],
        key["key"],
        "password_hash",
        "key_hash",
        "widget_secret",
        "argon2",
    ):
        assert secret not in text
    actions = [e["action"] for e in await _audit(client, owen)]
    assert actions == [
        "shop.update",
        "api_key.revoke",
        "api_key.create",
        "agent.reset_password",
        "agent.create",
    ]


async def test_settings_and_team_writes_are_audited(client, owen, alice):
    api = client.as_(owen)
    await api.put("/api/v1/shop/business-hours", json={"hours": {"mon": [["08:00", "20:00"]]}})
    holiday = await api.post("/api/v1/shop/holidays", json={"day": "2026-05-01", "name": "劳动节"})
    await api.delete(f"/api/v1/shop/holidays/{holiday.json()['id']}")
    team = (await api.post("/api/v1/teams", json={"name": "投诉组"})).json()
    await api.patch(f"/api/v1/teams/{team['id']}", json={"agent_ids": [alice.agent_id]})
    await api.delete(f"/api/v1/teams/{team['id']}")
    await client.as_(alice).put("/api/v1/me/presence", json={"presence": "away"})
    actions = [e["action"] for e in await _audit(client, owen)]
    assert actions == [
        "agent.set_presence",
        "team.delete",
        "team.update",
        "team.create",
        "holiday.delete",
        "holiday.create",
        "shop.set_business_hours",
    ]
    hours = (await _audit(client, owen, action="shop.set_business_hours"))[0]
    assert hours["after"]["business_hours"]["mon"] == [["08:00", "20:00"]]
    membership = (await _audit(client, owen, action="team.update"))[0]
    assert (membership["before"]["agent_ids"], membership["after"]["agent_ids"]) == (
        [],
        [alice.agent_id],
    )


async def test_only_owners_read_the_audit_log(client, carol, alice):
    for persona in (carol, alice):
        response = await client.as_(persona).get("/api/v1/audit")
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "your role may not do this (view_audit)"


async def test_the_audit_log_pages_newest_first(client, owen):
    api = client.as_(owen)
    for name in ("一组", "二组", "三组"):
        await api.post("/api/v1/teams", json={"name": name})
    first = (await api.get("/api/v1/audit", params={"limit": 2})).json()
    rest = (await api.get("/api/v1/audit", params={"cursor": first["next_cursor"]})).json()
    names = [e["after"]["name"] for e in first["items"] + rest["items"]]
    assert names == ["三组", "二组", "一组"]
    assert rest["next_cursor"] is None


async def test_the_audit_log_filters_by_days_in_the_shop_time_zone(client, session, owen, mallory):
    await team_renames_around_1_november(session, owen)
    one_day = {"date_from": "2026-11-01", "date_to": "2026-11-02"}
    names = [e["after"]["name"] for e in await _audit(client, owen, **one_day)]
    assert names == ["11-01 23:59", "11-01 00:00"]
    since = await _audit(client, owen, date_from="2026-11-02", action="team.update")
    assert [e["after"]["name"] for e in since] == ["11-02 00:00"]
    until = await _audit(client, owen, date_to="2026-11-01", action="team.update")
    assert [e["after"]["name"] for e in until] == ["10-31 23:59"]
    assert await _audit(client, mallory, **one_day) == []  # acme's entries stay acme's


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-11-02", "date_to": "2026-11-01"}, "date_to"),
        ({"date_from": "2026-11-01", "date_to": "2026-11-01"}, "date_to"),
        ({"date_from": "2026-13-01"}, "date_from"),
    ],
)
async def test_bad_audit_dates_are_refused_naming_the_field(client, owen, params, field):
    response = await client.as_(owen).get("/api/v1/audit", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
