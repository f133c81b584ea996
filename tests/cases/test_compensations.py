"""The compensation ledger: refunds never add up to more than was paid for a line or an
order (also when fired at once from separate connections), agents' limits by level, and
a supervisor's approval above them."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from kefu.access import Actor
from kefu.actions.compensations import do_decide_compensation, do_offer_compensation
from kefu.errors import Conflict
from kefu.models import Compensation, Role
from tests.cases.conftest import make_order, ok, open_case


async def _offer(client, persona, case_id: int, **body):
    return await client.as_(persona).post(f"/api/v1/cases/{case_id}/compensations", json=body)


async def _mug_case(client, persona, order) -> int:
    case = await open_case(client, persona, type="refund_only", order_line_id=order.mug_line_id)
    return case["id"]


async def test_partial_then_full_refund_stops_at_what_the_line_cost(client, carol, order):
    case_id = await _mug_case(client, carol, order)
    partial = await ok(await _offer(client, carol, case_id, kind="refund", amount_cents=3000))
    assert (partial["amount_cents"], partial["status"]) == (3000, "approved")
    zero = await _offer(client, carol, case_id, kind="refund", amount_cents=0)
    assert (zero.status_code, zero.json()["error"]["field"]) == (422, "amount_cents")
    rest = await ok(await _offer(client, carol, case_id, kind="refund"))
    assert rest["amount_cents"] == 4800  # 2 × 39.00 paid, 30.00 already back
    more = await _offer(client, carol, case_id, kind="refund", amount_cents=1)
    assert more.status_code == 409
    error = more.json()["error"]
    assert (error["code"], error["field"]) == ("refund_exceeds_paid", "amount_cents")
    assert "0.00 CNY left to refund on line 1 of order E2026110800123" in error["message"]
    # Another line of the same order has its own 129.00 to refund.
    flask = await _offer(
        client, carol, case_id, kind="refund", amount_cents=12900, order_line_id=order.flask_line_id
    )
    assert flask.status_code == 201, flask.text


async def test_refunds_of_an_order_stop_at_its_total(client, carol, order):
    case = await open_case(
        client,
        carol,
        type="logistics",
        order_id=order.id,
        evidence={"tracking_no": "SF1234567890"},
        title="包裹丢失",
    )
    whole = await ok(await _offer(client, carol, case["id"], kind="refund", amount_cents=20000))
    assert whole["order_line_id"] is None
    line = await _offer(
        client,
        carol,
        case["id"],
        kind="refund",
        amount_cents=1000,
        order_line_id=order.flask_line_id,
    )
    assert line.status_code == 409
    assert "7.00 CNY left to refund on line 2" in line.json()["error"]["message"]
    ok_now = await _offer(
        client,
        carol,
        case["id"],
        kind="refund",
        amount_cents=700,
        order_line_id=order.flask_line_id,
    )
    assert ok_now.status_code == 201


async def test_nothing_is_refunded_on_an_unpaid_order(client, owen, carol):
    unpaid = await make_order(
        client, owen, external_id="E2026110900001", status="pending_payment", paid_at=None
    )
    case_id = await _mug_case(client, carol, unpaid)
    response = await _offer(client, carol, case_id, kind="refund", amount_cents=100)
    assert response.status_code == 409
    assert "0.00 CNY left" in response.json()["error"]["message"]


async def test_refunds_need_an_order_and_other_kinds_an_amount(client, carol, order):
    complaint = await open_case(client, carol, type="complaint", title="客服回复太慢")
    refund = await _offer(client, carol, complaint["id"], kind="refund", amount_cents=500)
    assert (refund.status_code, refund.json()["error"]["field"]) == (422, "order_line_id")
    coupon = await _offer(client, carol, complaint["id"], kind="coupon")
    assert (coupon.status_code, coupon.json()["error"]["field"]) == (422, "amount_cents")
    granted = await ok(
        await _offer(client, carol, complaint["id"], kind="coupon", amount_cents=1000)
    )
    assert (granted["order_id"], granted["status"]) == (None, "approved")


async def test_agents_grant_within_their_levels_limit_and_request_above(
    client, owen, alice, bob, order
):
    case_id = await _mug_case(client, alice, order)
    statuses = []
    for persona, kind, cents in [
        (alice, "coupon", 2000),  # junior: coupons up to 20.00
        (alice, "coupon", 2001),
        (alice, "refund", 100),  # junior: no refund of their own
        (bob, "refund", 1000),  # intermediate: refunds up to 100.00
        (bob, "reship", 12000),
    ]:
        entry = await ok(await _offer(client, persona, case_id, kind=kind, amount_cents=cents))
        statuses.append(entry["status"])
    assert statuses == [
        "approved",
        "pending_approval",
        "pending_approval",
        "approved",
        "pending_approval",
    ]
    await ok(
        await client.as_(owen).patch(
            "/api/v1/shop/case-settings", json={"limits": {"junior": {"refund": 500}}}
        )
    )
    now = await ok(await _offer(client, alice, case_id, kind="refund", amount_cents=500))
    assert now["status"] == "approved"
    settings = await ok(await client.as_(alice).get("/api/v1/shop/case-settings"))
    assert settings["limits"]["junior"] == {"refund": 500}
    assert settings["limits"]["senior"]["refund"] == 50000
    bad = await client.as_(owen).patch(
        "/api/v1/shop/case-settings", json={"limits": {"trainee": {"coupon": 100}}}
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "limits")


async def test_a_supervisor_approves_or_declines_what_waits(client, alice, carol, order):
    case_id = await _mug_case(client, alice, order)
    asked = await ok(
        await _offer(
            client, alice, case_id, kind="refund", amount_cents=5000, note="杯子碎了两只中的一只"
        )
    )
    assert asked["status"] == "pending_approval"
    queue = await ok(
        await client.as_(carol).get("/api/v1/compensations", params={"status": "pending_approval"})
    )
    assert [c["id"] for c in queue["items"]] == [asked["id"]]
    decision = f"/api/v1/compensations/{asked['id']}/decision"
    refused = await client.as_(alice).post(decision, json={"approve": True})
    assert refused.status_code == 403
    # The waiting refund holds its amount: only 28.00 of the 78.00 is left meanwhile.
    over = await _offer(client, carol, case_id, kind="refund", amount_cents=2801)
    assert over.status_code == 409
    approved = await ok(
        await client.as_(carol).post(decision, json={"approve": True, "note": "同意"})
    )
    assert (approved["status"], approved["decided_by_label"]) == ("approved", "Carol")
    twice = await client.as_(carol).post(decision, json={"approve": False})
    assert (twice.status_code, twice.json()["error"]["message"]) == (
        409,
        "this compensation is already approved",
    )
    second = await ok(await _offer(client, alice, case_id, kind="refund", amount_cents=2800))
    declined = await ok(
        await client.as_(carol).post(
            f"/api/v1/compensations/{second['id']}/decision", json={"approve": False}
        )
    )
    assert declined["status"] == "declined"
    freed = await ok(await _offer(client, carol, case_id, kind="refund", amount_cents=2800))
    assert freed["status"] == "approved"
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{case_id}"))
    kinds = [(e["kind"], e["actor_label"]) for e in detail["timeline"]]
    assert kinds == [
        ("created", "Alice"),
        ("compensation", "Alice"),
        ("compensation_decided", "Carol"),
        ("compensation", "Alice"),
        ("compensation_decided", "Carol"),
        ("compensation", "Carol"),
    ]
    assert [c["status"] for c in detail["compensations"]] == ["approved", "declined", "approved"]


async def test_a_closed_case_takes_no_compensation(client, carol):
    case = await open_case(client, carol, type="consultation", title="发票抬头怎么改")
    path = f"/api/v1/cases/{case['id']}"
    for status in ("accepted", "resolved", "closed"):
        await ok(await client.as_(carol).post(f"{path}/transition", json={"to": status}))
    response = await _offer(client, carol, case["id"], kind="coupon", amount_cents=500)
    assert response.status_code == 409


def _carol(carol) -> Actor:
    return Actor.agent(
        carol.shop_id,
        carol.agent_id,
        "Carol",
        Role.SUPERVISOR,
        can_view_contact=True,
        user_id=carol.user_id,
    )


async def _refund(sessionmaker, actor: Actor, case_id: int, cents: int) -> str:
    """One refund in its own session (its own database connection), committed."""
    async with sessionmaker() as session:
        try:
            await do_offer_compensation(session, actor, case_id, kind="refund", amount_cents=cents)
            await session.commit()
        except Conflict:
            await session.rollback()
            return "refused"
    return "granted"


async def test_concurrent_refunds_never_exceed_what_was_paid(sessionmaker, client, carol, order):
    """Eight refunds of 30.00 on a line that cost 78.00, fired at once from separate
    connections: exactly two are granted, and the ledger holds 60.00."""
    case_id = await _mug_case(client, carol, order)
    actor = _carol(carol)
    results = await asyncio.gather(*(_refund(sessionmaker, actor, case_id, 3000) for _ in range(8)))
    assert sorted(results) == ["granted"] * 2 + ["refused"] * 6
    async with sessionmaker() as session:
        total = await session.scalar(
            select(func.sum(Compensation.amount_cents)).where(Compensation.case_id == case_id)
        )
    assert total == 6000


async def _decide(sessionmaker, actor: Actor, compensation_id: int, approve: bool) -> str:
    async with sessionmaker() as session:
        try:
            await do_decide_compensation(session, actor, compensation_id, approve=approve)
            await session.commit()
        except Conflict:
            await session.rollback()
            return "refused"
    return "approved" if approve else "declined"


async def test_two_supervisors_deciding_at_once_decide_once(
    sessionmaker, client, alice, carol, order
):
    case_id = await _mug_case(client, alice, order)
    asked = await ok(await _offer(client, alice, case_id, kind="refund", amount_cents=5000))
    results = await asyncio.gather(
        *(
            _decide(sessionmaker, _carol(carol), asked["id"], approve)
            for approve in (True, False) * 3
        )
    )
    assert sorted(results).count("refused") == 5
    async with sessionmaker() as session:
        stored = await session.get_one(Compensation, asked["id"])
    assert stored.status.value in results


async def test_case_and_ledger_writes_are_audited(client, owen, alice, carol, order):
    case_id = await _mug_case(client, alice, order)
    await ok(
        await client.as_(alice).post(f"/api/v1/cases/{case_id}/transition", json={"to": "accepted"})
    )
    asked = await ok(await _offer(client, alice, case_id, kind="refund", amount_cents=2000))
    decision = {"approve": True, "note": "破损属实"}
    await ok(
        await client.as_(carol).post(f"/api/v1/compensations/{asked['id']}/decision", json=decision)
    )
    limits = {"limits": {"senior": {"refund": 90000}}}
    await ok(await client.as_(owen).patch("/api/v1/shop/case-settings", json=limits))
    audit = await ok(await client.as_(owen).get("/api/v1/audit", params={"limit": 200}))
    trail = [
        (e["actor_label"], e["action"])
        for e in reversed(audit["items"])
        if e["entity"] in ("case", "compensation") or e["action"] == "shop.update_case_settings"
    ]
    assert trail == [
        ("Alice", "case.open"),
        ("Alice", "case.transition"),
        ("Alice", "compensation.create"),
        ("Carol", "compensation.decide"),
        ("Owen", "shop.update_case_settings"),
    ]
    decided = next(e for e in audit["items"] if e["action"] == "compensation.decide")
    assert decided["before"]["status"] == "pending_approval"
    assert decided["after"]["status"] == "approved"
