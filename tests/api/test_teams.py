"""Teams through the REST API: create, edit, members, delete."""

from __future__ import annotations


async def test_supervisor_builds_an_aftersales_team(client, carol, alice, bob):
    api = client.as_(carol)
    created = await api.post(
        "/api/v1/teams",
        json={
            "name": "售后一组",
            "skill": "aftersale",
            "agent_ids": [bob.agent_id, alice.agent_id],
        },
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["agent_ids"] == sorted([alice.agent_id, bob.agent_id])
    bob_now = (await api.get(f"/api/v1/agents/{bob.agent_id}")).json()
    assert bob_now["team_ids"] == [team["id"]]
    members = await api.get("/api/v1/agents", params={"team_id": team["id"]})
    assert {a["display_name"] for a in members.json()["items"]} == {"Alice", "Bob"}


async def test_team_edits_change_only_what_is_sent(client, owen, alice):
    api = client.as_(owen)
    team = (await api.post("/api/v1/teams", json={"name": "售前组", "skill": "presale"})).json()
    renamed = await api.patch(f"/api/v1/teams/{team['id']}", json={"name": "售前 A 组"})
    assert renamed.json() | {"name": "售前组"} == team
    moved = await api.patch(
        f"/api/v1/teams/{team['id']}", json={"skill": None, "agent_ids": [alice.agent_id]}
    )
    assert (moved.json()["skill"], moved.json()["agent_ids"]) == (None, [alice.agent_id])
    assert [t["name"] for t in (await api.get("/api/v1/teams")).json()] == ["售前 A 组"]


async def test_team_names_are_unique_within_the_shop(client, owen, mallory):
    await client.as_(owen).post("/api/v1/teams", json={"name": "投诉组"})
    again = await client.as_(owen).post("/api/v1/teams", json={"name": "投诉组"})
    assert again.status_code == 409
    assert again.json()["error"]["field"] == "name"
    elsewhere = await client.as_(mallory).post("/api/v1/teams", json={"name": "投诉组"})
    assert elsewhere.status_code == 201


async def test_deleting_a_team_keeps_its_agents(client, owen, alice):
    api = client.as_(owen)
    team = (
        await api.post("/api/v1/teams", json={"name": "夜班", "agent_ids": [alice.agent_id]})
    ).json()
    assert (await api.delete(f"/api/v1/teams/{team['id']}")).status_code == 204
    assert (await api.get("/api/v1/teams")).json() == []
    alice_now = (await api.get(f"/api/v1/agents/{alice.agent_id}")).json()
    assert (alice_now["active"], alice_now["team_ids"]) == (True, [])


async def test_agents_see_teams_but_cannot_change_them(client, owen, alice):
    team = (await client.as_(owen).post("/api/v1/teams", json={"name": "售中组"})).json()
    assert len((await client.as_(alice).get("/api/v1/teams")).json()) == 1
    for response in (
        await client.as_(alice).post("/api/v1/teams", json={"name": "我的组"}),
        await client.as_(alice).patch(f"/api/v1/teams/{team['id']}", json={"name": "改名"}),
        await client.as_(alice).delete(f"/api/v1/teams/{team['id']}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


async def test_a_team_cannot_take_another_shops_agent(client, owen, mallory):
    response = await client.as_(owen).post(
        "/api/v1/teams", json={"name": "混合组", "agent_ids": [mallory.agent_id]}
    )
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "agent not found",
        "field": "agent_ids",
    }
    assert (await client.as_(owen).get("/api/v1/teams")).json() == []
