"""A breached case handed over as its SLA policy says: to the least-loaded online agent
with the skill, to a supervisor, or to a named agent; on the timeline, in the audit log
and told to the new assignee. Policies naming an agent are checked.

Acme's agents: alice (presale), bob (aftersale), carol (supervisor: aftersale and
complaint), owen (owner)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from kefu.models import AuditEntry, Case, CaseEvent, StreamEvent
from tests.cases.conftest import ok, open_case
from tests.cases.test_sla import _sweep_twice_at_once, clock_from, shanghai
from tests.routing.conftest import set_presence

MONDAY_10AM = shanghai(2026, 11, 23, 10)


async def policy(client, persona, **fields: Any) -> dict[str, Any]:
    body = {"first_response_minutes": 60, "resolve_minutes": 480} | fields
    return await ok(await client.as_(persona).post("/api/v1/sla-policies", json=body))


async def breach_first_response(client, session, sessionmaker, persona, **body: Any) -> int:
    """A consultation (skill: aftersale) opened Monday 10:00 and unanswered at 11:01:
    its first response breached by the sweep (twice at once: the handover happens once)."""
    body.setdefault("title", "咨询保修期")
    case = await open_case(client, persona, type="consultation", **body)
    await clock_from(session, case["id"], MONDAY_10AM)
    assert await _sweep_twice_at_once(sessionmaker, MONDAY_10AM + timedelta(minutes=61)) == 1
    return case["id"]


async def events(session, case_id: int) -> list[CaseEvent]:
    rows = await session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    )
    return list(rows)


async def streams(session, name: str) -> list[str]:
    return list(await session.scalars(select(StreamEvent.stream).where(StreamEvent.name == name)))


async def test_least_loaded_gives_it_to_the_online_agent_with_the_skill_and_fewest_cases(
    client, session, sessionmaker, owen, alice, bob, carol
):
    await policy(client, owen, reassign="least_loaded")
    for persona in (bob, carol):
        await set_presence(client, persona, "online")
    await open_case(
        client, carol, type="consultation", title="别的工单", assigned_agent_id=carol.agent_id
    )
    case_id = await breach_first_response(
        client, session, sessionmaker, alice, assigned_agent_id=alice.agent_id
    )
    detail = await ok(await client.as_(carol).get(f"/api/v1/cases/{case_id}"))
    assert detail["assigned_agent_id"] == bob.agent_id  # carol has a case, alice no skill
    timeline = await events(session, case_id)
    assert [e.kind for e in timeline] == ["created", "assigned", "sla_breached"]
    handed = timeline[1]
    assert handed.actor_label == "SLA" and handed.data["reason"] == "sla_breached"
    assert handed.data["before"]["assigned_agent_id"] == alice.agent_id
    assert handed.data["after"]["assigned_agent_id"] == bob.agent_id
    assert timeline[2].data["reassigned"] == {"before": alice.agent_id, "after": bob.agent_id}
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "case.reassign"))
    assert audit.entity_id == str(case_id) and audit.actor_label == "SLA"
    assert audit.after["assigned_agent_id"] == bob.agent_id
    assert await streams(session, "case.reassigned") == [f"agent:{bob.agent_id}"]
    breached = set(await streams(session, "case.sla_breached"))
    assert f"agent:{alice.agent_id}" in breached  # the one who let it slip hears of it


async def test_nobody_fit_to_take_it_leaves_it_where_it_is(
    client, session, sessionmaker, owen, alice, bob
):
    await policy(client, owen, reassign="least_loaded")  # bob has the skill but is offline
    case_id = await breach_first_response(
        client, session, sessionmaker, alice, assigned_agent_id=alice.agent_id
    )
    case = await session.get_one(Case, case_id, populate_existing=True)
    assert case.assigned_agent_id == alice.agent_id
    assert [e.kind for e in await events(session, case_id)] == ["created", "sla_breached"]
    assert await streams(session, "case.reassigned") == []


async def test_a_supervisor_takes_it_even_offline(client, session, sessionmaker, owen, bob, carol):
    await policy(client, owen, case_type="consultation", reassign="supervisor")
    case_id = await breach_first_response(
        client, session, sessionmaker, bob, assigned_agent_id=bob.agent_id
    )
    case = await session.get_one(Case, case_id, populate_existing=True)
    assert case.assigned_agent_id == carol.agent_id
    assert await streams(session, "case.reassigned") == [f"agent:{carol.agent_id}"]


async def test_the_named_agent_takes_an_unassigned_case(
    client, session, sessionmaker, owen, alice, bob
):
    await policy(client, owen, reassign="agent", reassign_agent_id=bob.agent_id)
    case_id = await breach_first_response(client, session, sessionmaker, alice)
    case = await session.get_one(Case, case_id, populate_existing=True)
    assert case.assigned_agent_id == bob.agent_id
    handed = (await events(session, case_id))[1]
    assert handed.data["before"]["assigned_agent_id"] is None


async def test_a_policy_names_an_agent_exactly_when_it_reassigns_to_one(
    client, owen, carol, alice, mallory
):
    api = client.as_(carol)
    base = {"first_response_minutes": 60, "resolve_minutes": 480}
    refused = await api.post("/api/v1/sla-policies", json=base | {"reassign": "agent"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "reassign_agent_id"
    stray = base | {"reassign": "supervisor", "reassign_agent_id": alice.agent_id}
    refused = await api.post("/api/v1/sla-policies", json=stray)
    assert refused.status_code == 422 and "only for reassign = agent" in refused.text
    elsewhere = base | {"reassign": "agent", "reassign_agent_id": mallory.agent_id}
    refused = await api.post("/api/v1/sla-policies", json=elsewhere)
    assert refused.status_code == 404
    assert refused.json()["error"]["field"] == "reassign_agent_id"
    bogus = await api.post("/api/v1/sla-policies", json=base | {"reassign": "somebody"})
    assert bogus.status_code == 422
    named = base | {"reassign": "agent", "reassign_agent_id": alice.agent_id}
    created = await ok(await api.post("/api/v1/sla-policies", json=named))
    assert created["reassign"] == "agent" and created["reassign_agent_id"] == alice.agent_id
    changed = await ok(
        await api.patch(f"/api/v1/sla-policies/{created['id']}", json={"reassign": "off"})
    )
    assert changed["reassign"] == "off" and changed["reassign_agent_id"] is None
    plain = await ok(await client.as_(owen).get("/api/v1/sla-policies"))
    assert plain[0]["reassign"] == "off"
