"""Saved views of the case list through the API: an agent's own, shared by supervisors,
replaced by name, refused to keys and invisible to other agents and other shops."""

from __future__ import annotations

from kefu.models import Role, Shop
from tests.cases.conftest import ok
from tests.factories import make_person

OVERDUE = {"name": "我的超时工单", "filters": {"assignee": "mine", "sla": "breached"}}


async def test_an_agent_saves_lists_and_deletes_a_view(client, alice):
    api = client.as_(alice)
    created = await api.post("/api/v1/case-views", json=OVERDUE)
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["name"], view["shared"], view["agent_id"]) == (
        "我的超时工单",
        False,
        alice.agent_id,
    )
    assert view["filters"] == {
        "assignee": "mine",
        "sla": "breached",
        "status": None,
        "type": None,
        "priority": None,
        "sort": None,
    }
    assert [v["id"] for v in await ok(await api.get("/api/v1/case-views"))] == [view["id"]]
    deleted = await api.delete(f"/api/v1/case-views/{view['id']}")
    assert deleted.status_code == 204
    assert await ok(await api.get("/api/v1/case-views")) == []


async def test_saving_under_the_same_name_replaces_the_view(client, alice):
    api = client.as_(alice)
    first = await ok(await api.post("/api/v1/case-views", json=OVERDUE))
    again = OVERDUE | {"filters": {"type": "damaged", "sort": "newest"}}
    second = await ok(await api.post("/api/v1/case-views", json=again))
    assert second["id"] == first["id"]
    assert (second["filters"]["type"], second["filters"]["sla"]) == ("damaged", None)
    assert len(await ok(await api.get("/api/v1/case-views"))) == 1


async def test_supervisors_share_views_agents_do_not(client, alice, carol):
    shared = {"name": "全店破损件", "filters": {"type": "damaged"}, "shared": True}
    refused = await client.as_(alice).post("/api/v1/case-views", json=shared)
    assert refused.status_code == 403
    view = await ok(await client.as_(carol).post("/api/v1/case-views", json=shared))
    seen = await ok(await client.as_(alice).get("/api/v1/case-views"))
    assert [(v["name"], v["shared"]) for v in seen] == [("全店破损件", True)]
    not_hers = await client.as_(alice).delete(f"/api/v1/case-views/{view['id']}")
    assert not_hers.status_code == 403
    assert (await client.as_(carol).delete(f"/api/v1/case-views/{view['id']}")).status_code == 204


async def test_another_agents_private_view_is_invisible(client, sessionmaker, alice):
    async with sessionmaker() as session:
        bob = await make_person(
            session, await session.get_one(Shop, alice.shop_id), "wanglei", Role.AGENT
        )
        await session.commit()
    view = await ok(await client.as_(alice).post("/api/v1/case-views", json=OVERDUE))
    assert await ok(await client.as_(bob).get("/api/v1/case-views")) == []
    response = await client.as_(bob).delete(f"/api/v1/case-views/{view['id']}")
    assert response.status_code == 404


async def test_another_shop_sees_none_of_them(client, carol, mallory):
    shared = {"name": "全店投诉", "filters": {"type": "complaint"}, "shared": True}
    view = await ok(await client.as_(carol).post("/api/v1/case-views", json=shared))
    assert await ok(await client.as_(mallory).get("/api/v1/case-views")) == []
    response = await client.as_(mallory).delete(f"/api/v1/case-views/{view['id']}")
    assert response.status_code == 404
    assert len(await ok(await client.as_(carol).get("/api/v1/case-views"))) == 1


async def test_odd_filters_and_names_are_refused(client, alice):
    api = client.as_(alice)
    for body, field in [
        ({"name": "坏的", "filters": {"status": "lost"}}, "filters.status"),
        ({"name": "", "filters": {}}, "name"),
        ({"name": "长" * 101}, "name"),
        ({"name": "未知", "filters": {"colour": "red"}}, None),
    ]:
        response = await api.post("/api/v1/case-views", json=body)
        assert response.status_code == 422, (body, response.text)
        if field:
            assert field in response.text
    assert (await api.delete("/api/v1/case-views/99999999999999999999")).status_code in (404, 422)


async def test_api_keys_have_no_views(client, owen):
    key = await ok(await client.as_(owen).post("/api/v1/api-keys", json={"name": "ERP 同步"}))
    headers = {"Authorization": f"Bearer {key['key']}"}
    assert (await client.get("/api/v1/case-views", headers=headers)).status_code == 403
    response = await client.post("/api/v1/case-views", json=OVERDUE, headers=headers)
    assert response.status_code == 403
