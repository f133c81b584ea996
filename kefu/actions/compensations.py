"""The compensation ledger: refunds (full or partial), coupons, reships, replacements and
exchanges granted on a case, within the agent's limit or through a supervisor's approval.

No double refund: refunds of an order line never add up to more than was paid for the
line, nor refunds of an order to more than the order's total. The check runs inside the
transaction that writes the refund, after locking the order's row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite a write to the row takes the database's single write lock first),
so concurrent refunds wait for each other and the later one sees the earlier. A refund
waiting for approval already counts: approving it can never overdraw."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import lock_row, record_audit, snapshot
from kefu.actions.cases import add_timeline, announce, load_case
from kefu.actions.checks import choice
from kefu.errors import Conflict, Invalid, NotFound
from kefu.events import CompensationCreated, CompensationDecided
from kefu.lib.cases import CaseStatus, CompensationKind, case_settings, within_limit
from kefu.lib.money import cents_to_decimal
from kefu.models import (
    Agent,
    Case,
    Compensation,
    CompensationStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from kefu.models.base import MAX_ID, utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.shops import get_shop

MAX_NOTE = 500
MAX_AMOUNT_CENTS = 10**12
# Orders whose total the shopper has paid (refunded: paid, then refunded outside Kefu).
PAID = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
        OrderStatus.REFUNDED,
    }
)
# Refunds that hold money: granted, or reserved while they wait for approval.
HOLDING = (CompensationStatus.APPROVED, CompensationStatus.PENDING_APPROVAL)


def compensation_payload(entry: Compensation) -> dict[str, Any]:
    return {
        "id": entry.id,
        "case_id": entry.case_id,
        "order_id": entry.order_id,
        "order_line_id": entry.order_line_id,
        "kind": entry.kind.value,
        "amount_cents": entry.amount_cents,
        "status": entry.status.value,
        "requested_by": entry.requested_by_label,
        "decided_by": entry.decided_by_label,
    }


async def _refunded(session: AsyncSession, column: Any, row_id: int, exclude: int | None) -> int:
    stmt = select(func.coalesce(func.sum(Compensation.amount_cents), 0)).where(
        column == row_id,
        Compensation.kind == CompensationKind.REFUND,
        Compensation.status.in_(HOLDING),
    )
    if exclude is not None:
        stmt = stmt.where(Compensation.id != exclude)
    return int(await session.scalar(stmt) or 0)


async def refundable(
    session: AsyncSession, order: Order, line: OrderLine | None, *, exclude: int | None = None
) -> int:
    """Cents that may still be refunded on the line (or the order without one); call with
    the order locked for the answer to hold until commit."""
    paid = order.total_cents if order.status in PAID else 0
    left = paid - await _refunded(session, Compensation.order_id, order.id, exclude)
    if line is not None:
        line_paid = line.amount_cents if order.status in PAID else 0
        line_left = line_paid - await _refunded(
            session, Compensation.order_line_id, line.id, exclude
        )
        left = min(left, line_left)
    return max(left, 0)


def _what(order: Order, line: OrderLine | None) -> str:
    return (
        f"line {line.line_no} of order {order.external_id}"
        if line
        else f"order {order.external_id}"
    )


async def check_refund(
    session: AsyncSession,
    order: Order,
    line: OrderLine | None,
    amount: int | None,
    *,
    exclude: int | None = None,
) -> int:
    """Lock the order and return the refund's amount (``None``: all that is left), or a
    409 when it would take more than was paid."""
    await lock_row(session, Order, order.id)
    await session.refresh(order)
    left = await refundable(session, order, line, exclude=exclude)
    if amount is None:
        amount = left
    if amount == 0 or amount > left:
        raise Conflict(
            f"a refund of {cents_to_decimal(amount)} {order.currency} is more than the "
            f"{cents_to_decimal(left)} {order.currency} left to refund on {_what(order, line)}",
            field="amount_cents",
            code="refund_exceeds_paid",
        )
    return amount


async def _targets(
    session: AsyncSession, actor: Actor, case: Case, order_line_id: Any
) -> tuple[Order | None, OrderLine | None]:
    """The order line (given, or the case's) and its order, or the case's order alone."""
    line_id = case.order_line_id if order_line_id is None else order_line_id
    line = None
    if line_id is not None:
        if isinstance(line_id, bool) or not isinstance(line_id, int):
            raise Invalid("order_line_id must be a Kefu id", field="order_line_id")
        try:
            line = await fetch_owned(session, actor, OrderLine, line_id, "order line")
        except NotFound as exc:
            raise NotFound("order line", field="order_line_id") from exc
        if case.order_id is not None and line.order_id != case.order_id:
            raise Invalid("the order line is not of this case's order", field="order_line_id")
    order_id = line.order_id if line else case.order_id
    order = await session.get(Order, order_id) if order_id is not None else None
    return order, line


def _amount(value: Any, kind: CompensationKind) -> int | None:
    if value is None:
        if kind is CompensationKind.REFUND:
            return None  # a full refund of what is left
        raise Invalid(f"say what the {kind.value} is worth in cents", field="amount_cents")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT_CENTS:
        raise Invalid(
            f"amount_cents must be a whole number from 0 to {MAX_AMOUNT_CENTS}",
            field="amount_cents",
        )
    if value == 0 and kind is CompensationKind.REFUND:
        raise Invalid("a refund must give back more than 0.00", field="amount_cents")
    return value


async def _status(
    session: AsyncSession, actor: Actor, kind: CompensationKind, amount: int
) -> CompensationStatus:
    """Approved at once for supervisors, owners and the shop's systems, and for agents
    within their level's limit; otherwise it waits for a supervisor."""
    if actor.can(Permission.APPROVE_COMPENSATION) or actor.kind != "agent":
        return CompensationStatus.APPROVED
    agent = await session.get_one(Agent, actor.id)
    limits = case_settings((await get_shop(session, actor)).case_settings)["limits"]
    if within_limit(limits, agent.level.value, kind.value, amount):
        return CompensationStatus.APPROVED
    return CompensationStatus.PENDING_APPROVAL


def _note(value: Any, field: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_NOTE:
        raise Invalid(f"{field} must be text of at most {MAX_NOTE} characters", field=field)
    return value.strip()


async def do_offer_compensation(
    session: AsyncSession,
    actor: Actor,
    case_id: int,
    *,
    kind: Any,
    amount_cents: Any = None,
    order_line_id: Any = None,
    note: Any = None,
) -> Compensation:
    """Grant (or, above the agent's limit, request) a compensation on a case. A refund
    needs the case's order; without ``amount_cents`` it refunds all that is left."""
    case = await load_case(session, actor, case_id)
    if case.status is CaseStatus.CLOSED:
        raise Conflict(f"case {case.number} is closed; reopen it first")
    wanted = choice(CompensationKind, kind, "kind")
    amount = _amount(amount_cents, wanted)
    order, line = await _targets(session, actor, case, order_line_id)
    if wanted is CompensationKind.REFUND:
        if order is None:
            raise Invalid("a refund needs the order it pays back", field="order_line_id")
        amount = await check_refund(session, order, line, amount)
    assert amount is not None
    entry = Compensation(
        shop_id=actor.shop_id,
        case_id=case.id,
        order_id=order and order.id,
        order_line_id=line and line.id,
        kind=wanted,
        amount_cents=amount,
        status=await _status(session, actor, wanted, amount),
        note=_note(note, "note"),
        requested_by_kind=actor.kind,
        requested_by_id=actor.id,
        requested_by_label=actor.label,
    )
    session.add(entry)
    await session.flush()
    add_timeline(session, actor, case, "compensation", compensation=compensation_payload(entry))
    record_audit(
        session, actor, "compensation.create", "compensation", entry.id, after=snapshot(entry)
    )
    await announce(
        session, CompensationCreated, actor.shop_id, compensation=compensation_payload(entry)
    )
    return entry


async def do_decide_compensation(
    session: AsyncSession, actor: Actor, compensation_id: int, *, approve: Any, note: Any = None
) -> Compensation:
    """A supervisor approves or declines a compensation waiting for approval."""
    actor.require(Permission.APPROVE_COMPENSATION)
    if isinstance(compensation_id, int) and not 0 < compensation_id <= MAX_ID:
        raise NotFound("compensation")
    entry = await fetch_owned(session, actor, Compensation, compensation_id, "compensation")
    if not isinstance(approve, bool):
        raise Invalid("approve must be true or false", field="approve")
    if entry.order_id is not None and entry.kind is CompensationKind.REFUND:
        await lock_row(session, Order, entry.order_id)
    await lock_row(session, Compensation, entry.id)
    await session.refresh(entry)
    if entry.status is not CompensationStatus.PENDING_APPROVAL:
        raise Conflict(f"this compensation is already {entry.status.value}")
    if approve and entry.kind is CompensationKind.REFUND and entry.order_id is not None:
        order = await session.get_one(Order, entry.order_id)
        line = await session.get(OrderLine, entry.order_line_id) if entry.order_line_id else None
        await check_refund(session, order, line, entry.amount_cents, exclude=entry.id)
    before = snapshot(entry)
    entry.status = CompensationStatus.APPROVED if approve else CompensationStatus.DECLINED
    entry.decided_by_label = actor.label
    entry.decided_at = utcnow()
    entry.decision_note = _note(note, "note")
    case = await session.get_one(Case, entry.case_id)
    add_timeline(
        session,
        actor,
        case,
        "compensation_decided",
        body=entry.decision_note,
        compensation=compensation_payload(entry),
    )
    await session.flush()
    record_audit(
        session,
        actor,
        "compensation.decide",
        "compensation",
        entry.id,
        before=before,
        after=snapshot(entry),
    )
    await announce(
        session, CompensationDecided, actor.shop_id, compensation=compensation_payload(entry)
    )
    return entry
