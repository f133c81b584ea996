"""Bulk changes through POST /api/v1/cases/bulk: every case checked by the workflow, the
refused ones reported one by one while the others change, other shops' cases untouched."""

from __future__ import annotations

import pytest

from kefu.events import Event
from kefu.models import Role, Shop
from tests.cases.conftest import ok, open_case
from tests.factories import make_person


@pytest.fixture(scope="session")
def _announced(app) -> list[Event]:
    events: list[Event] = []
    app.state.bus.subscribe("*", events.append)
    return events


async def _complaints(client, persona, n: int) -> list[int]:
    titles = ["快递员态度恶劣", "客服回复太慢", "包装简陋", "赠品没有收到"]
    return [
        (await open_case(client, persona, type="complaint", title=titles[i]))["id"]
        for i in range(n)
    ]


async def bulk(client, persona, **body):
    return await client.as_(persona).post("/api/v1/cases/bulk", json=body)


async def test_a_supervisor_assigns_several_cases_to_an_agent(client, carol, alice):
    ids = await _complaints(client, carol, 3)
    result = await ok(
        await bulk(client, carol, case_ids=ids, action="assign", agent_id=alice.agent_id)
    )
    assert (result["applied"], result["refused"]) == (3, 0)
    assert [r["case"]["assigned_agent_id"] for r in result["results"]] == [alice.agent_id] * 3
    mine = await ok(
        await client.as_(alice).get(f"/api/v1/cases?assigned_agent_id={alice.agent_id}")
    )
    assert sorted(c["id"] for c in mine["items"]) == sorted(ids)
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{ids[0]}"))
    assert detail["timeline"][-1]["kind"] == "assigned"


async def test_illegal_transitions_are_reported_per_case_and_the_rest_applied(client, alice):
    fresh, accepted = await _complaints(client, alice, 2)
    path = f"/api/v1/cases/{accepted}/transition"
    await ok(await client.as_(alice).post(path, json={"to": "accepted"}))
    response = await bulk(
        client,
        alice,
        case_ids=[fresh, accepted],
        action="transition",
        to="investigating",
        note="已联系仓库核实",
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert (first["ok"], first["error"]["code"]) == (False, "illegal_transition")
    assert "new" in first["error"]["message"] and first["case"] is None
    assert (second["ok"], second["case"]["status"]) == (True, "investigating")
    unchanged = await ok(await client.as_(alice).get(f"/api/v1/cases/{fresh}"))
    assert unchanged["status"] == "new" and len(unchanged["timeline"]) == 1
    moved = await ok(await client.as_(alice).get(f"/api/v1/cases/{accepted}"))
    assert moved["timeline"][-1]["body"] == "已联系仓库核实"


async def test_priority_changes_land_on_the_timeline_and_are_announced(client, alice, _announced):
    _announced.clear()
    ids = await _complaints(client, alice, 2)
    result = await ok(await bulk(client, alice, case_ids=ids, action="priority", priority="urgent"))
    assert [r["case"]["priority"] for r in result["results"]] == ["urgent", "urgent"]
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{ids[1]}"))
    entry = detail["timeline"][-1]
    assert (entry["kind"], entry["data"]) == (
        "priority_changed",
        {"before": "normal", "after": "urgent"},
    )
    changed = [e for e in _announced if e.name == "case.priority_changed"]
    assert [e.payload["case"]["id"] for e in changed] == ids
    again = await ok(await bulk(client, alice, case_ids=ids, action="priority", priority="urgent"))
    assert again["applied"] == 2  # nothing to change is no refusal, and no new entry
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{ids[1]}"))
    assert [e["kind"] for e in detail["timeline"]].count("priority_changed") == 1


async def test_another_shops_cases_are_refused_one_by_one(client, alice, mallory):
    [acme_case] = await _complaints(client, alice, 1)
    [hers] = await _complaints(client, mallory, 1)
    result = await ok(
        await bulk(client, mallory, case_ids=[acme_case, hers], action="priority", priority="low")
    )
    assert [(r["case_id"], r["ok"]) for r in result["results"]] == [
        (acme_case, False),
        (hers, True),
    ]
    assert result["results"][0]["error"]["code"] == "not_found"
    untouched = await ok(await client.as_(alice).get(f"/api/v1/cases/{acme_case}"))
    assert untouched["priority"] == "normal"


async def test_what_applies_to_all_is_checked_before_anything_changes(client, alice, mallory):
    ids = await _complaints(client, alice, 2)
    for body, status in [
        ({"case_ids": ids, "action": "assign", "agent_id": mallory.agent_id}, 404),
        ({"case_ids": ids, "action": "priority"}, 422),
        ({"case_ids": ids, "action": "transition", "to": "lost"}, 422),
        ({"case_ids": [], "action": "priority", "priority": "high"}, 422),
        ({"case_ids": list(range(1, 102)), "action": "priority", "priority": "high"}, 422),
        ({"case_ids": [10**30], "action": "priority", "priority": "high"}, 422),
        ({"case_ids": ids, "action": "delete"}, 422),
        ({}, 422),
    ]:
        response = await client.as_(alice).post("/api/v1/cases/bulk", json=body)
        assert response.status_code == status, (body, response.text)
    listed = await ok(await client.as_(alice).get("/api/v1/cases"))
    assert {(c["priority"], c["assigned_agent_id"]) for c in listed["items"]} == {("normal", None)}


async def test_an_analyst_changes_nothing_in_bulk(client, sessionmaker, alice):
    async with sessionmaker() as session:
        analyst = await make_person(
            session, await session.get_one(Shop, alice.shop_id), "ana", Role.ANALYST
        )
        await session.commit()
    ids = await _complaints(client, alice, 1)
    response = await bulk(client, analyst, case_ids=ids, action="priority", priority="high")
    assert response.status_code == 403
