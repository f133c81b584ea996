"""Service recovery (回访): a bad rating opens one review follow-up for the conversation's
agent, due within the shop's follow-up hours; a complaint case is due too; the follow-up
ends with an explicit outcome (recovered / not_recovered, a note) on the timeline and in
the audit log; lists filter the follow-ups due and overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from kefu.events import Event
from kefu.models.base import utcnow
from kefu.models.cases import Case
from tests.cases.conftest import ok, open_case
from tests.chat.conftest import Shopper, make_shopper


async def _rated(client, carol, agent, stars: int, skill: str = "aftersale") -> Shopper:
    """A shopper's conversation ``agent`` handled and closed, rated ``stars``."""
    shopper = await make_shopper(client, "acme", skill=skill)
    path = f"/api/v1/conversations/{shopper.conversation_id}"
    await ok(await client.as_(carol).post(f"{path}/assign", json={"agent_id": agent.agent_id}))
    await ok(await client.as_(agent).post(f"{path}/close", json={"disposition": "resolved"}))
    rating = {"rating": stars, "comment": "发货太慢，客服也不理人"}
    await ok(
        await client.post(
            f"/api/v1/widget/conversations/{shopper.conversation_id}/rating",
            json=rating,
            headers=shopper.headers,
        )
    )
    return shopper


async def _followups(client, persona, **params) -> list[dict]:
    listed = await ok(await client.as_(persona).get("/api/v1/cases", params=params))
    return listed["items"]


async def test_a_bad_rating_opens_one_follow_up_for_the_agent(client, alice, carol):
    shopper = await _rated(client, carol, alice, 2)
    await _rated(client, carol, alice, 4)  # a good rating opens nothing
    [case] = await _followups(client, carol, type="review_followup")
    assert case["conversation_id"] == shopper.conversation_id
    assert (case["assigned_agent_id"], case["priority"]) == (alice.agent_id, "high")
    assert case["description"] == "发货太慢，客服也不理人"
    due = datetime.fromisoformat(case["follow_up_due_at"])
    opened = datetime.fromisoformat(case["created_at"])
    assert due - opened == timedelta(hours=24)  # the default: within 24 h
    assert case["outcome"] is None
    # Rated once per conversation: a second rating is refused, no second follow-up.
    again = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/rating",
        json={"rating": 1},
        headers=shopper.headers,
    )
    assert again.status_code == 409
    assert len(await _followups(client, carol, type="review_followup")) == 1


async def test_the_shop_sets_how_soon_a_follow_up_is_due(client, owen, alice, carol):
    settings = await ok(
        await client.as_(owen).patch("/api/v1/shop/case-settings", json={"follow_up_hours": 4})
    )
    assert settings["follow_up_hours"] == 4
    complaint = await open_case(client, alice, type="complaint", title="客服态度差")
    opened = datetime.fromisoformat(complaint["created_at"])
    assert datetime.fromisoformat(complaint["follow_up_due_at"]) - opened == timedelta(hours=4)
    other = await open_case(client, alice, type="consultation", title="请问发票怎么开")
    assert other["follow_up_due_at"] is None
    bad = await client.as_(owen).patch("/api/v1/shop/case-settings", json={"follow_up_hours": 0})
    assert bad.status_code == 422


@pytest.fixture(scope="session")
def _recorded(app) -> list[Event]:
    events: list[Event] = []
    app.state.bus.subscribe("*", events.append)
    return events


async def test_the_outcome_ends_the_follow_up_on_the_timeline_and_audit(
    client, owen, alice, _recorded
):
    case = await open_case(client, alice, type="complaint", title="客服态度差")
    _recorded.clear()
    path = f"/api/v1/cases/{case['id']}/outcome"
    body = {"outcome": "recovered", "note": "已电话回访，补发优惠券，客户满意"}
    ended = await ok(await client.as_(alice).post(path, json=body))
    assert (ended["outcome"], ended["outcome_note"]) == ("recovered", body["note"])
    assert ended["outcome_at"] is not None
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{case['id']}"))
    entry = detail["timeline"][-1]
    assert (entry["kind"], entry["actor_label"], entry["body"]) == (
        "outcome",
        "Alice",
        body["note"],
    )
    assert entry["data"] == {"outcome": "recovered"}
    audit = await ok(await client.as_(owen).get("/api/v1/audit", params={"limit": 50}))
    [logged] = [e for e in audit["items"] if e["action"] == "case.outcome"]
    assert logged["after"]["outcome"] == "recovered"
    # Once: a second outcome is refused and changes nothing.
    second = await client.as_(alice).post(path, json={"outcome": "not_recovered"})
    assert second.status_code == 409
    assert "already ended recovered" in second.json()["error"]["message"]
    [told] = [e for e in _recorded if e.name == "case.outcome_recorded"]  # once, after commit
    assert (told.payload["case"]["id"], told.payload["outcome"]) == (case["id"], "recovered")
    assert told.recipients == frozenset({f"shop:{alice.shop_id}"})


async def test_only_follow_ups_take_an_outcome_and_bad_input_is_a_4xx(client, alice, mallory):
    other = await open_case(client, alice, type="consultation", title="请问发票怎么开")
    refused = await client.as_(alice).post(
        f"/api/v1/cases/{other['id']}/outcome", json={"outcome": "recovered"}
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_a_follow_up"
    case = await open_case(client, alice, type="complaint", title="客服态度差")
    path = f"/api/v1/cases/{case['id']}/outcome"
    wrong = await client.as_(alice).post(path, json={"outcome": "maybe"})
    assert wrong.status_code == 422
    theirs = await client.as_(mallory).post(path, json={"outcome": "recovered"})
    assert theirs.status_code == 404


async def test_lists_show_the_follow_ups_due_and_overdue(client, alice, sessionmaker):
    late = await open_case(client, alice, type="complaint", title="投诉：发错颜色")
    soon = await open_case(client, alice, type="complaint", title="投诉：物流太慢")
    done = await open_case(client, alice, type="complaint", title="投诉：客服态度")
    await open_case(client, alice, type="consultation", title="请问发票怎么开")
    async with sessionmaker() as session:
        await session.execute(
            update(Case)
            .where(Case.id == late["id"])
            .values(follow_up_due_at=utcnow() - timedelta(hours=1))
        )
        await session.commit()
    await ok(
        await client.as_(alice).post(
            f"/api/v1/cases/{done['id']}/outcome", json={"outcome": "not_recovered"}
        )
    )
    due = await _followups(client, alice, follow_up="due")
    assert {c["id"] for c in due} == {late["id"], soon["id"]}
    overdue = await _followups(client, alice, follow_up="overdue")
    assert [c["id"] for c in overdue] == [late["id"]]
