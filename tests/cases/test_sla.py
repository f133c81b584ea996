"""SLAs of cases in business time: policies, due times hand-computed over nights, weekends
and the National Day holidays, the clock paused while waiting on the shopper, the first
reply, the worker's warning and breach (exactly once, even with two sweepers at once),
the list's SLA filters and due order, and attainment.

Acme runs on the default hours in Asia/Shanghai: Monday to Friday 09:00–18:00, Saturday
10:00–16:00, closed on Sunday. 2026-11-23 is a Monday."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from kefu.actions.escalations import do_sweep_sla
from kefu.actions.sla import on_status_change, start_case_clocks
from kefu.lib.cases import CaseStatus
from kefu.models import Case, CaseEvent, StreamEvent
from kefu.queries.cases import NEXT_DUE
from tests.cases.conftest import ok, open_case
from tests.channels.conftest import make_worker


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


async def clock_from(session, case_id: int, opened: datetime) -> Case:
    """The case's clocks started again as if it had been opened at ``opened``."""
    case = await session.get_one(Case, case_id)
    await start_case_clocks(session, case, opened)
    await session.commit()
    return case


async def complaint(client, persona, **body: Any) -> dict[str, Any]:
    return await open_case(client, persona, type="complaint", title="顾客投诉客服态度差", **body)


# ---- policies ------------------------------------------------------------------------------


async def test_a_new_case_carries_its_due_times(client, alice):
    case = await complaint(client, alice)
    assert case["first_response_sla"] == case["resolve_sla"] == "pending"
    assert case["first_response_due_at"] < case["resolve_due_at"]
    assert case["first_responded_at"] is None and case["sla_paused_at"] is None


async def test_policies_are_checked_and_only_owners_and_supervisors_write_them(
    client, owen, carol, alice
):
    api = client.as_(carol)
    refunds = {"case_type": "refund_only", "first_response_minutes": 30, "resolve_minutes": 960}
    created = await api.post("/api/v1/sla-policies", json=refunds)
    assert created.status_code == 201, created.text
    again = await client.as_(owen).post("/api/v1/sla-policies", json=refunds)
    assert again.status_code == 409
    assert "already an SLA policy for refund_only" in again.json()["error"]["message"]
    backwards = refunds | {"case_type": "return", "first_response_minutes": 2000}
    response = await api.post("/api/v1/sla-policies", json=backwards)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "first_response_minutes"
    assert "cannot be due after the resolution" in error["message"]
    zero = await api.post("/api/v1/sla-policies", json=refunds | {"resolve_minutes": 0})
    assert zero.status_code == 422
    assert (await client.as_(alice).post("/api/v1/sla-policies", json=refunds)).status_code == 403
    policy_id = created.json()["id"]
    patch = await api.patch(f"/api/v1/sla-policies/{policy_id}", json={"resolve_minutes": 10})
    assert patch.status_code == 422 and patch.json()["error"]["field"] == "first_response_minutes"
    patch = await api.patch(f"/api/v1/sla-policies/{policy_id}", json={"priority": "urgent"})
    assert patch.status_code == 200 and patch.json()["priority"] == "urgent"
    listed = await ok(await client.as_(alice).get("/api/v1/sla-policies"))
    assert [p["id"] for p in listed] == [policy_id]
    assert (await api.delete(f"/api/v1/sla-policies/{policy_id}")).status_code == 204


async def test_the_most_specific_policy_sets_the_targets(client, session, owen, alice):
    api = client.as_(owen)
    for policy in (
        {"first_response_minutes": 120, "resolve_minutes": 1200},
        {"case_type": "complaint", "first_response_minutes": 30, "resolve_minutes": 540},
    ):
        await ok(await api.post("/api/v1/sla-policies", json=policy))
    monday_10am = shanghai(2026, 11, 23, 10)
    case = await clock_from(session, (await complaint(client, alice))["id"], monday_10am)
    assert case.first_response_due_at == shanghai(2026, 11, 23, 10, 30)
    assert case.resolve_due_at == shanghai(2026, 11, 24, 10)  # 540 min: 8 h Monday, 1 h Tuesday
    consult = await open_case(client, alice, type="consultation", title="咨询保修期")
    case = await clock_from(session, consult["id"], monday_10am)
    assert case.first_response_due_at == shanghai(2026, 11, 23, 12)  # the policy for any case


# ---- due times in business time ------------------------------------------------------------


async def test_a_refund_opened_on_friday_evening_is_due_on_saturday_and_tuesday(
    client, session, alice, order
):
    """Defaults: first response 60 business minutes, a refund resolved within 24 business
    hours. Friday 17:30: 30 min Friday, Saturday 10:00 on; 6.5 h by Saturday's close, 9 h
    Monday, 8.5 h Tuesday."""
    refund = await open_case(
        client, alice, type="refund_only", order_line_id=order.mug_line_id, title="申请仅退款"
    )
    case = await clock_from(session, refund["id"], shanghai(2026, 11, 20, 17, 30))
    assert case.first_response_warn_at == shanghai(2026, 11, 21, 10, 18)  # 48 min = 80 %
    assert case.first_response_due_at == shanghai(2026, 11, 21, 10, 30)
    assert case.resolve_due_at == shanghai(2026, 11, 24, 17, 30)
    assert case.resolve_warn_at == shanghai(2026, 11, 24, 12, 42)  # 19.2 h
    assert case.sla_check_at == case.first_response_warn_at


async def test_national_day_holidays_and_the_make_up_saturday(client, session, owen, alice):
    """国庆: closed 1–7 October; Saturday 10 October worked 09:00–18:00 (调休)."""
    api = client.as_(owen)
    for day in range(1, 8):
        await ok(
            await api.post("/api/v1/shop/holidays", json={"day": f"2026-10-0{day}", "name": "国庆"})
        )
    make_up = {"day": "2026-10-10", "name": "调休上班", "hours": [["09:00", "18:00"]]}
    await ok(await api.post("/api/v1/shop/holidays", json=make_up))
    urgent = await complaint(client, alice, priority="urgent")  # 15 min, 6 h (a quarter)
    case = await clock_from(session, urgent["id"], shanghai(2026, 9, 30, 17, 50))
    assert case.first_response_due_at == shanghai(2026, 10, 8, 9, 5)
    assert case.resolve_due_at == shanghai(2026, 10, 8, 14, 50)  # 10 min, then 5 h 50
    late = await clock_from(session, urgent["id"], shanghai(2026, 10, 9, 16))
    assert late.resolve_due_at == shanghai(2026, 10, 10, 13)  # 2 h Friday, 4 h Saturday


# ---- pausing while waiting on the shopper ----------------------------------------------------


async def test_waiting_on_the_shopper_pauses_both_clocks(client, session, alice):
    opened = await complaint(client, alice)
    case = await clock_from(session, opened["id"], shanghai(2026, 11, 23, 10))
    assert case.resolve_due_at == shanghai(2026, 11, 25, 16)  # 24 h: 8 Monday, 9 Tuesday, 7
    case.status = CaseStatus.WAITING_CUSTOMER
    await on_status_change(session, case, CaseStatus.INVESTIGATING, shanghai(2026, 11, 23, 10, 1))
    assert case.sla_paused_at == shanghai(2026, 11, 23, 10, 1) and case.sla_check_at is None
    case.status = CaseStatus.INVESTIGATING
    await on_status_change(session, case, CaseStatus.WAITING_CUSTOMER, shanghai(2026, 11, 25, 10))
    # 23 h 59 were left at Monday 10:01: 8 h Wednesday from 10:00, 9 h Thursday, 6 h 59 Friday.
    assert case.resolve_due_at == shanghai(2026, 11, 27, 15, 59)
    # The first response had 59 min left: Wednesday 10:59.
    assert case.first_response_due_at == shanghai(2026, 11, 25, 10, 59)
    assert case.sla_paused_at is None
    assert case.sla_check_at == case.first_response_warn_at == shanghai(2026, 11, 25, 10, 47)


async def test_the_workflow_pauses_and_resumes_through_the_api(client, alice):
    case = await complaint(client, alice)
    api = client.as_(alice)
    path = f"/api/v1/cases/{case['id']}/transition"
    for status in ("accepted", "investigating", "waiting_customer"):
        moved = await ok(await api.post(path, json={"to": status}))
    assert moved["sla_paused_at"] is not None
    moved = await ok(await api.post(path, json={"to": "investigating"}))
    assert moved["sla_paused_at"] is None
    assert moved["resolve_due_at"] >= case["resolve_due_at"]
    resolved = await ok(await api.post(path, json={"to": "resolved"}))
    assert resolved["resolve_sla"] == resolved["first_response_sla"] == "met"
    reopened = await ok(await api.post(path, json={"to": "reopened"}))
    assert reopened["resolve_sla"] == "pending" and reopened["first_response_sla"] == "met"


async def test_the_first_public_reply_meets_the_first_response(client, session, alice):
    case = await complaint(client, alice)
    comments = f"/api/v1/cases/{case['id']}/comments"
    api = client.as_(alice)
    await ok(await api.post(comments, json={"body": "内部：先查一下聊天记录"}))
    assert (await ok(await api.get(f"/api/v1/cases/{case['id']}")))["first_responded_at"] is None
    reply = {"body": "您好，已收到您的反馈，我们会在今天内给您答复。", "public": True}
    entry = await ok(await api.post(comments, json=reply))
    assert entry["kind"] == "replied"
    detail = await ok(await api.get(f"/api/v1/cases/{case['id']}"))
    assert detail["first_response_sla"] == "met" and detail["first_responded_at"] is not None
    late = await complaint(client, alice)
    await session.execute(
        update(Case)
        .where(Case.id == late["id"])
        .values(first_response_due_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    await session.commit()
    await ok(await api.post(f"/api/v1/cases/{late['id']}/comments", json=reply))
    detail = await ok(await api.get(f"/api/v1/cases/{late['id']}"))
    assert detail["first_response_sla"] == "breached"


# ---- the worker's sweep --------------------------------------------------------------------


async def _sweep_twice_at_once(sessionmaker, now: datetime) -> int:
    async def sweep() -> int:
        async with sessionmaker() as session:
            steps = await do_sweep_sla(session, now)
            await session.commit()
            return steps

    return sum(await asyncio.gather(sweep(), sweep()))


async def _count(session, model: Any, *where: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_warning_then_breach_exactly_once_with_two_sweepers(
    client, session, sessionmaker, alice, carol, owen
):
    opened = await complaint(client, alice, assigned_agent_id=alice.agent_id)
    monday_10am = shanghai(2026, 11, 23, 10)
    await clock_from(session, opened["id"], monday_10am)
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=47)) == 0
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=50)) == 1
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=55)) == 0
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=61)) == 1
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=90)) == 0
    kinds = await session.scalars(
        select(CaseEvent.kind).where(CaseEvent.case_id == opened["id"]).order_by(CaseEvent.id)
    )
    assert list(kinds) == ["created", "sla_warning", "sla_breached"]
    case = await session.get_one(Case, opened["id"], populate_existing=True)
    assert case.first_response_sla == "breached" and case.resolve_sla == "pending"
    assert case.priority == "high"  # raised one step from normal
    assert case.sla_check_at == case.resolve_warn_at
    warned = await session.scalars(
        select(StreamEvent.stream).where(StreamEvent.name == "case.sla_warning")
    )
    assert list(warned) == [f"agent:{alice.agent_id}"]  # the assignee
    breached = await session.scalars(
        select(StreamEvent.stream).where(StreamEvent.name == "case.sla_breached")
    )
    expected = {f"agent:{p.agent_id}" for p in (alice, carol, owen)}
    assert set(breached) == expected  # the assignee and the supervisors, once each


async def test_a_paused_or_answered_case_is_left_alone(client, session, sessionmaker, alice):
    monday_10am = shanghai(2026, 11, 23, 10)
    waiting, answered = await complaint(client, alice), await complaint(client, alice)
    await clock_from(session, waiting["id"], monday_10am)
    await clock_from(session, answered["id"], monday_10am)
    await _set_clocks(session, waiting["id"], sla_paused_at=monday_10am, sla_check_at=None)
    api = client.as_(alice)
    reply = {"body": "您好，我们正在核实，请稍等。", "public": True}
    await ok(await api.post(f"/api/v1/cases/{answered['id']}/comments", json=reply))
    assert await _sweep_twice_at_once(sessionmaker, monday_10am + timedelta(minutes=70)) == 0
    assert await _count(session, CaseEvent, CaseEvent.kind.like("sla_%")) == 0


async def test_an_overdue_case_is_breached_without_a_warning_first(
    client, session, sessionmaker, alice
):
    opened = await complaint(client, alice)
    monday_10am = shanghai(2026, 11, 23, 10)
    await clock_from(session, opened["id"], monday_10am)
    friday = shanghai(2026, 11, 27, 12)  # both targets long past
    assert await _sweep_twice_at_once(sessionmaker, friday) == 2
    events = await session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == opened["id"], CaseEvent.kind != "created")
        .order_by(CaseEvent.id)
    )
    assert [(e.kind, e.data["target"]) for e in events] == [
        ("sla_breached", "first_response"),
        ("sla_breached", "resolve"),
    ]
    case = await session.get_one(Case, opened["id"], populate_existing=True)
    assert case.priority == "urgent" and case.sla_check_at is None  # raised twice


# ---- lists and attainment ------------------------------------------------------------------


async def _set_clocks(session, case_id: int, **values: Any) -> None:
    await session.execute(update(Case).where(Case.id == case_id).values(**values))
    await session.commit()


async def test_the_list_filters_by_sla_and_sorts_by_due(client, session, alice):
    now = datetime.now(UTC)
    cases = [await complaint(client, alice) for _ in range(3)]
    overdue, at_risk, fine = (c["id"] for c in cases)
    await _set_clocks(
        session,
        overdue,
        first_response_sla="met",
        resolve_warn_at=now - timedelta(hours=2),
        resolve_due_at=now - timedelta(hours=1),
    )
    await _set_clocks(session, at_risk, first_response_warn_at=now - timedelta(minutes=1))
    api = client.as_(alice)

    async def listed(**params: Any) -> list[int]:
        return [c["id"] for c in (await ok(await api.get("/api/v1/cases", params=params)))["items"]]

    assert await listed(sla="breached") == [overdue]
    assert await listed(sla="at_risk") == [at_risk]
    assert await listed(sla="ok") == [fine]
    assert (await listed(sort="due"))[0] == overdue
    page = await ok(await api.get("/api/v1/cases", params={"sort": "due", "limit": 1}))
    rest = await ok(
        await api.get(
            "/api/v1/cases", params={"sort": "due", "limit": 5, "cursor": page["next_cursor"]}
        )
    )
    assert [c["id"] for c in page["items"] + rest["items"]] == await listed(sort="due")
    bad = await api.get("/api/v1/cases", params={"sort": "due", "cursor": "bm9wZQ"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"


async def test_a_settled_case_comes_after_the_open_ones_nearest_due_first(client, session, alice):
    now = datetime.now(UTC)
    settled, waiting = [(await complaint(client, alice))["id"] for _ in range(2)]
    await _set_clocks(
        session,
        settled,
        status="resolved",
        first_response_sla="met",
        resolve_sla="breached",  # resolved late, three days ago
        resolve_due_at=now - timedelta(days=3),
    )
    listed = await ok(await client.as_(alice).get("/api/v1/cases", params={"sort": "due"}))
    assert [c["id"] for c in listed["items"]] == [waiting, settled]


async def test_the_list_nearest_due_first_reads_its_index(session):
    """The order's expression must be the indexed one, word for word, or SQLite sorts
    every case of the shop for each page."""
    if session.bind.dialect.name != "sqlite":
        pytest.skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
    query = select(Case.id).where(Case.shop_id == 1).order_by(NEXT_DUE, Case.id).limit(50)
    sql = str(query.compile(session.bind, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_cases_shop_due" in plan and "TEMP B-TREE" not in plan, plan


async def test_attainment_per_period_and_per_agent(client, session, alice, bob):
    states = [
        (alice, "met", "met"),
        (alice, "met", "breached"),
        (alice, "breached", "pending"),
        (bob, "met", "met"),
    ]
    for agent, first, resolve in states:
        case = await complaint(client, alice, assigned_agent_id=agent.agent_id)
        await _set_clocks(session, case["id"], first_response_sla=first, resolve_sla=resolve)
    api = client.as_(alice)
    shop = await ok(await api.get("/api/v1/sla-attainment"))
    assert shop == [
        {
            "agent_id": None,
            "first_response_met": 3,
            "first_response_breached": 1,
            "first_response_percent": 75.0,
            "resolve_met": 2,
            "resolve_breached": 1,
            "resolve_percent": 66.7,
        }
    ]
    per_agent = await ok(await api.get("/api/v1/sla-attainment", params={"per_agent": "true"}))
    by_id = {row["agent_id"]: row for row in per_agent}
    assert by_id[alice.agent_id]["resolve_percent"] == 50.0
    assert by_id[bob.agent_id]["first_response_percent"] == 100.0
    long_ago = {"start": "2025-01-01T00:00:00+08:00", "end": "2025-02-01T00:00:00+08:00"}
    empty = await ok(await api.get("/api/v1/sla-attainment", params=long_ago))
    assert empty[0]["first_response_percent"] is None
    backwards = {"start": long_ago["end"], "end": long_ago["start"]}
    refused = await api.get("/api/v1/sla-attainment", params=backwards)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "end"


@pytest.mark.parametrize("status", ["resolved", "closed"])
async def test_finished_cases_are_not_in_the_sla_lists(client, alice, status):
    case = await complaint(client, alice)
    api = client.as_(alice)
    for to in ("accepted", "resolved", "closed")[: 2 if status == "resolved" else 3]:
        await ok(await api.post(f"/api/v1/cases/{case['id']}/transition", json={"to": to}))
    for sla in ("ok", "at_risk", "breached"):
        listed = await ok(await api.get("/api/v1/cases", params={"sla": sla}))
        assert listed["items"] == []


async def test_the_worker_escalates_at_its_poll(client, session, sessionmaker, settings, alice):
    case = await complaint(client, alice)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await _set_clocks(
        session,
        case["id"],
        first_response_due_at=past,
        first_response_warn_at=past,
        sla_check_at=past,
    )
    worker = make_worker(sessionmaker, settings)
    try:
        assert await worker.sweep_sla() == 1
        assert await worker.sweep_sla() == 0
    finally:
        await worker.stop()
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{case['id']}"))
    assert detail["first_response_sla"] == "breached" and detail["priority"] == "high"
    assert [e["kind"] for e in detail["timeline"]][-1] == "sla_breached"
    assert detail["timeline"][-1]["actor_label"] == "SLA"
