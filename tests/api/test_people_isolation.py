"""Mallory, owner of another shop, walks every people and settings route with acme's ids:
she gets 404 on each, sees none of acme's rows, and acme's data stays as it was."""

from __future__ import annotations

import re

import pytest

PREFIXES = ("/api/v1/agents", "/api/v1/teams", "/api/v1/api-keys", "/api/v1/shop")

# (method, path, body) with {agent}, {team}, {key}, {holiday} standing for acme's ids.
BY_ID_ROUTES = [
    ("GET", "/api/v1/agents/{agent}", None),
    ("PATCH", "/api/v1/agents/{agent}", {"level": "senior"}),
    ("POST", "/api/v1/agents/{agent}/deactivate", None),
    ("POST", "/api/v1/agents/{agent}/reactivate", None),
    ("POST", "/api/v1/agents/{agent}/reset-password", None),
    ("PATCH", "/api/v1/teams/{team}", {"name": "被偷的组"}),
    ("DELETE", "/api/v1/teams/{team}", None),
    ("POST", "/api/v1/api-keys/{key}/revoke", None),
    ("DELETE", "/api/v1/shop/holidays/{holiday}", None),
]
EMPTY_FOR_MALLORY = ["/api/v1/teams", "/api/v1/api-keys", "/api/v1/audit", "/api/v1/shop/holidays"]


@pytest.fixture
async def acme(client, owen, alice) -> dict[str, int]:
    api = client.as_(owen)
    team = await api.post("/api/v1/teams", json={"name": "售前组", "agent_ids": [alice.agent_id]})
    key = await api.post("/api/v1/api-keys", json={"name": "ERP 同步"})
    holiday = await api.post("/api/v1/shop/holidays", json={"day": "2026-10-01", "name": "国庆节"})
    return {
        "agent": alice.agent_id,
        "team": team.json()["id"],
        "key": key.json()["id"],
        "holiday": holiday.json()["id"],
    }


async def test_mallory_gets_404_on_every_acme_id(client, mallory, acme):
    api = client.as_(mallory)
    for method, template, body in BY_ID_ROUTES:
        response = await api.request(method, template.format(**acme), json=body)
        assert response.status_code == 404, (method, template, response.text)
        assert response.json()["error"]["code"] == "not_found"


async def test_acme_is_unchanged_after_mallorys_attempts(client, owen, mallory, acme):
    for method, template, body in BY_ID_ROUTES:
        await client.as_(mallory).request(method, template.format(**acme), json=body)
    api = client.as_(owen)
    alice = (await api.get(f"/api/v1/agents/{acme['agent']}")).json()
    assert (alice["active"], alice["level"], alice["team_ids"]) == (True, "junior", [acme["team"]])
    assert [t["name"] for t in (await api.get("/api/v1/teams")).json()] == ["售前组"]
    assert (await api.get("/api/v1/api-keys")).json()[0]["revoked_at"] is None
    assert len((await api.get("/api/v1/shop/holidays")).json()) == 1
    assert (await api.get("/api/v1/audit", params={"actor_kind": "agent"})).json()["items"][0][
        "actor_label"
    ] == "Owen"


async def test_mallory_sees_none_of_acmes_rows(client, owen, mallory, acme):
    api = client.as_(mallory)
    for path in EMPTY_FOR_MALLORY:
        response = await api.get(path)
        assert response.status_code == 200, path
        body = response.json()
        assert (body["items"] if isinstance(body, dict) else body) == [], path
    agents = (await api.get("/api/v1/agents")).json()["items"]
    assert [a["id"] for a in agents] == [mallory.agent_id]
    assert (await api.get("/api/v1/shop")).json()["slug"] == "mallory-mart"
    assert (await api.get("/api/v1/me")).json()["shop"]["slug"] == "mallory-mart"
    assert (await api.get("/api/v1/agents", params={"team_id": acme["team"]})).json()["items"] == []


async def test_mallory_cannot_pull_acme_agents_into_her_team(client, mallory, acme):
    response = await client.as_(mallory).post(
        "/api/v1/teams", json={"name": "挖角组", "agent_ids": [acme["agent"]]}
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "agent_ids"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_by_id_route_of_this_area_is_walked(app):
    walked = {(method, _shape(template)) for method, template, _ in BY_ID_ROUTES}
    for route in app.routes:
        path = getattr(route, "path", "")
        if "{" not in path or not path.startswith(PREFIXES):
            continue
        for method in route.methods - {"HEAD"}:
            assert (method, _shape(path)) in walked, (method, path)
