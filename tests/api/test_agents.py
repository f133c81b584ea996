"""Managing agents through the REST API: who may do what, the last-owner rule, presence,
password resets and the person's own view (/me)."""

from __future__ import annotations

import pytest

from kefu.actions.auth import do_login
from kefu.errors import Locked, Unauthenticated

NEW_AGENT = {
    "email": "xiaomei@acme.example",
    "name": "小美",
    "password": "chushi-mima-2026",
    "level": "intermediate",
    "skills": ["presale", "insale"],
    "max_concurrent_chats": 8,
}


async def test_owner_adds_an_agent_who_then_appears_in_the_list(client, owen):
    api = client.as_(owen)
    created = await api.post("/api/v1/agents", json=NEW_AGENT)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert (agent["display_name"], agent["role"], agent["level"]) == (
        "小美",
        "agent",
        "intermediate",
    )
    assert agent["skills"] == ["insale", "presale"]
    assert agent["presence"] == "offline" and agent["active"] is True
    found = (await api.get("/api/v1/agents", params={"q": "小美"})).json()["items"]
    assert [a["id"] for a in found] == [agent["id"]]
    assert "password" not in created.text and "password_hash" not in created.text


async def test_a_new_agent_must_change_the_password_the_admin_typed(
    client, sessionmaker, settings, owen
):
    assert (await client.as_(owen).post("/api/v1/agents", json=NEW_AGENT)).status_code == 201
    async with sessionmaker() as session:
        login = await do_login(session, settings, NEW_AGENT["email"], NEW_AGENT["password"])
        assert login.user.must_change_password is True


async def test_adding_someone_twice_is_a_conflict(client, owen, alice):
    response = await client.as_(owen).post(
        "/api/v1/agents", json=NEW_AGENT | {"email": alice.email.upper()}
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "email"


async def test_a_person_of_another_shop_keeps_their_account_and_password(
    client, sessionmaker, settings, owen, mallory
):
    body = NEW_AGENT | {"email": mallory.email, "name": "Mallory 兼职", "password": "other-pass-9"}
    created = await client.as_(owen).post("/api/v1/agents", json=body)
    assert created.status_code == 201
    assert created.json()["user_id"] == mallory.user_id
    async with sessionmaker() as session:
        login = await do_login(session, settings, mallory.email, mallory.password)
        assert login.user.id == mallory.user_id
        assert login.user.must_change_password is False
    me = (await client.as_(mallory).get("/api/v1/me")).json()
    assert sorted(s["slug"] for s in me["shops"]) == ["acme", "mallory-mart"]
    assert me["shop"]["slug"] == "mallory-mart"


async def test_agents_may_list_colleagues_but_not_manage_them(client, alice, bob):
    api = client.as_(alice)
    assert (await api.get("/api/v1/agents")).status_code == 200
    for method, path, body in [
        ("POST", "/api/v1/agents", NEW_AGENT),
        ("PATCH", f"/api/v1/agents/{bob.agent_id}", {"level": "senior"}),
        ("POST", f"/api/v1/agents/{bob.agent_id}/deactivate", None),
        ("POST", f"/api/v1/agents/{bob.agent_id}/reset-password", None),
    ]:
        response = await api.request(method, path, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "your role may not do this (manage_agents)",
            "field": None,
        }


async def test_supervisor_manages_agents_but_cannot_make_or_touch_owners(client, carol, bob, owen):
    api = client.as_(carol)
    promoted = await api.patch(f"/api/v1/agents/{bob.agent_id}", json={"role": "supervisor"})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "supervisor"
    to_owner = await api.patch(f"/api/v1/agents/{bob.agent_id}", json={"role": "owner"})
    assert to_owner.status_code == 403
    assert to_owner.json()["error"]["field"] == "role"
    new_owner = await api.post("/api/v1/agents", json=NEW_AGENT | {"role": "owner"})
    assert new_owner.status_code == 403
    for path in (f"/api/v1/agents/{owen.agent_id}/deactivate",):
        assert (await api.post(path)).status_code == 403
    rename = await api.patch(f"/api/v1/agents/{owen.agent_id}", json={"display_name": "老板"})
    assert rename.json()["error"]["message"] == "only an owner can change an owner"


async def test_the_last_active_owner_can_be_neither_deactivated_nor_demoted(client, owen, carol):
    api = client.as_(owen)
    for response in (
        await api.post(f"/api/v1/agents/{owen.agent_id}/deactivate"),
        await api.patch(f"/api/v1/agents/{owen.agent_id}", json={"role": "supervisor"}),
    ):
        assert response.status_code == 409
        assert "last active owner" in response.json()["error"]["message"]
    await api.patch(f"/api/v1/agents/{carol.agent_id}", json={"role": "owner"})
    stepped_down = await api.patch(f"/api/v1/agents/{owen.agent_id}", json={"role": "supervisor"})
    assert stepped_down.status_code == 200
    last = await client.as_(carol).post(f"/api/v1/agents/{carol.agent_id}/deactivate")
    assert last.status_code == 409


async def test_a_deactivated_agent_loses_access_until_reactivated(client, owen, bob):
    off = await client.as_(owen).post(f"/api/v1/agents/{bob.agent_id}/deactivate")
    assert off.json()["active"] is False
    refused = await client.as_(bob).get("/api/v1/agents")
    assert refused.status_code == 403
    listed = await client.as_(owen).get("/api/v1/agents", params={"active": "false"})
    assert [a["id"] for a in listed.json()["items"]] == [bob.agent_id]
    await client.as_(owen).post(f"/api/v1/agents/{bob.agent_id}/reactivate")
    assert (await client.as_(bob).get("/api/v1/agents")).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"max_concurrent_chats": 99}, "max_concurrent_chats"),
        ({"skills": ["砍价"]}, "skills.0"),
        ({"level": "expert"}, "level"),
        ({"display_name": ""}, "display_name"),
        ({"team_ids": [999999]}, "team_ids"),
    ],
)
async def test_bad_changes_name_the_field(client, owen, alice, change, field):
    response = await client.as_(owen).patch(f"/api/v1/agents/{alice.agent_id}", json=change)
    assert response.status_code in (404, 422)
    assert response.json()["error"]["field"] == field


async def test_a_weak_first_password_is_refused_naming_the_field(client, owen):
    body = NEW_AGENT | {"password": "12345678"}
    response = await client.as_(owen).post("/api/v1/agents", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "password"


async def test_reset_password_unlocks_logs_out_and_only_the_new_password_works(
    client, sessionmaker, settings, carol, bob
):
    async with sessionmaker() as session:
        for _ in range(settings.login_max_failures):
            with pytest.raises(Unauthenticated):
                await do_login(session, settings, bob.email, "wrong-guess-1")
        with pytest.raises(Locked):
            await do_login(session, settings, bob.email, bob.password)
    reset = await client.as_(carol).post(f"/api/v1/agents/{bob.agent_id}/reset-password")
    assert reset.status_code == 200
    temporary = reset.json()["temporary_password"]
    assert (await client.as_(bob).get("/api/v1/me")).status_code == 401
    async with sessionmaker() as session:
        with pytest.raises(Unauthenticated):
            await do_login(session, settings, bob.email, bob.password)
        login = await do_login(session, settings, bob.email, temporary)
        assert login.user.must_change_password is True


async def test_reset_is_refused_for_a_person_who_also_works_elsewhere(client, owen, mallory):
    body = NEW_AGENT | {"email": mallory.email}
    agent_id = (await client.as_(owen).post("/api/v1/agents", json=body)).json()["id"]
    response = await client.as_(owen).post(f"/api/v1/agents/{agent_id}/reset-password")
    assert response.status_code == 403
    assert "another shop" in response.json()["error"]["message"]


async def test_an_agent_sets_their_own_presence_and_colleagues_see_it(client, alice, carol):
    response = await client.as_(alice).put("/api/v1/me/presence", json={"presence": "online"})
    assert response.status_code == 200
    online = await client.as_(carol).get("/api/v1/agents", params={"presence": "online"})
    assert [a["id"] for a in online.json()["items"]] == [alice.agent_id]
    bad = await client.as_(alice).put("/api/v1/me/presence", json={"presence": "摸鱼"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "presence"


async def test_me_shows_user_shop_and_role(client, carol):
    me = (await client.as_(carol).get("/api/v1/me")).json()
    assert me["user"]["email"] == carol.email
    assert me["shop"]["name"] == "Acme 旗舰店"
    assert me["role"] == "supervisor"
    assert me["agent"]["id"] == carol.agent_id
    assert [s["slug"] for s in me["shops"]] == ["acme"]


async def test_agent_list_pages_and_filters_by_role(client, owen):
    api = client.as_(owen)
    first = (await api.get("/api/v1/agents", params={"limit": 2})).json()
    second = (await api.get("/api/v1/agents", params={"cursor": first["next_cursor"]})).json()
    assert len(first["items"]) + len(second["items"]) == 4
    agents = await api.get("/api/v1/agents", params={"role": "agent"})
    assert {a["display_name"] for a in agents.json()["items"]} == {"Alice", "Bob"}
