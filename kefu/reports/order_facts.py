"""The facts of paid orders (docs/kpis.md): ORDER_PAID, REPEAT_ORDER and the CONVERSION
of an inquiry, recorded by the order writes (the API's upsert and the file import) in
their transaction, for each order that has just become paid.

An order is paid once it has a ``paid_at``; its facts are dated then, so an imported
history lands in the hours it happened. Imports can be large: this reads in a few
set-wise queries per chunk of orders and inserts its facts in one ``executemany``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Conversation, Order, Skill
from kefu.models.reports import ReportEvent, ReportKind

CONVERSION_WINDOW = timedelta(hours=72)  # an inquiry converts when paid within this
CHUNK = 1000  # ids per IN list


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


async def paid_external_ids(
    session: AsyncSession, shop_id: int, external_ids: Collection[str]
) -> set[str]:
    """Which of these orders of the shop are paid already (before a write changes them)."""
    paid: set[str] = set()
    for chunk in _chunks(sorted(external_ids)):
        paid.update(
            await session.scalars(
                select(Order.external_id).where(
                    Order.shop_id == shop_id,
                    Order.external_id.in_(chunk),
                    Order.paid_at.is_not(None),
                )
            )
        )
    return paid


async def _newly_paid(
    session: AsyncSession, shop_id: int, external_ids: Collection[str], paid_before: set[str]
) -> list[tuple[int, int | None, datetime, int]]:
    """(id, customer, paid_at, cents) of the orders written that were not paid before."""
    wanted = sorted(set(external_ids) - paid_before)
    found = []
    for chunk in _chunks(wanted):
        found += (
            await session.execute(
                select(Order.id, Order.customer_id, Order.paid_at, Order.total_cents).where(
                    Order.shop_id == shop_id,
                    Order.external_id.in_(chunk),
                    Order.paid_at.is_not(None),
                )
            )
        ).all()
    return sorted((tuple(row) for row in found), key=lambda row: (row[2], row[0]))


async def _first_paid(
    session: AsyncSession, shop_id: int, customers: Sequence[int]
) -> dict[int, datetime]:
    first: dict[int, datetime] = {}
    for chunk in _chunks(customers):
        rows = await session.execute(
            select(Order.customer_id, func.min(Order.paid_at))
            .where(
                Order.shop_id == shop_id,
                Order.customer_id.in_(chunk),
                Order.paid_at.is_not(None),
            )
            .group_by(Order.customer_id)
        )
        first.update({customer: at for customer, at in rows.all()})
    return first


async def _inquiries(
    session: AsyncSession, shop_id: int, customers: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[tuple]]:
    """Each customer's inquiries opened from ``start`` to ``end`` not converted yet,
    oldest first: (id, opened at, agent, team, channel, intent, segment)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for chunk in _chunks(customers):
        converted = select(ReportEvent.id).where(
            ReportEvent.conversation_id == Conversation.id,
            ReportEvent.kind == ReportKind.CONVERSION.value,
        )
        rows = await session.execute(
            select(
                Conversation.customer_id,
                Conversation.id,
                Conversation.created_at,
                Conversation.assigned_agent_id,
                Conversation.team_id,
                Conversation.channel,
                Conversation.intent,
                Conversation.segment,
            )
            .where(
                Conversation.shop_id == shop_id,
                Conversation.customer_id.in_(chunk),
                Conversation.skill == Skill.PRESALE,
                Conversation.first_response_at.is_not(None),  # an inquiry a person took up
                Conversation.created_at >= start,
                Conversation.created_at <= end,
                ~converted.exists(),
            )
            .order_by(Conversation.created_at)
        )
        for customer, *inquiry in rows.all():
            found[customer].append(tuple(inquiry))
    return found


def _fact(shop_id: int, kind: ReportKind, at: datetime, value: int = 0, **dims: Any) -> dict:
    return {
        "shop_id": shop_id,
        "kind": kind.value,
        "occurred_at": at,
        "value": value,
        "folded": False,
        "conversation_id": dims.get("conversation_id"),
        "case_id": None,
        "agent_id": dims.get("agent_id"),
        "team_id": dims.get("team_id"),
        "channel": dims.get("channel"),
        "stage": dims.get("stage"),
        "intent": dims.get("intent"),
        "segment": dims.get("segment"),
    }


async def paid_order_facts(
    session: AsyncSession, shop_id: int, external_ids: Collection[str], paid_before: set[str]
) -> int:
    """Record the facts of the written orders that have just become paid: ORDER_PAID
    (value: cents); REPEAT_ORDER when the customer paid an earlier order; CONVERSION when
    the customer's inquiry (a 售前 conversation) opened in the 72 hours before, credited
    to that conversation's agent (the latest such inquiry; each converts once). Returns
    how many orders."""
    orders = await _newly_paid(session, shop_id, external_ids, paid_before)
    if not orders:
        return 0
    customers = sorted({customer for _, customer, _, _ in orders if customer is not None})
    first = await _first_paid(session, shop_id, customers)
    start = orders[0][2] - CONVERSION_WINDOW
    inquiries = await _inquiries(session, shop_id, customers, start, orders[-1][2])
    facts = []
    for _order_id, customer, paid_at, cents in orders:
        facts.append(_fact(shop_id, ReportKind.ORDER_PAID, paid_at, cents))
        if customer is None:
            continue
        if paid_at > first.get(customer, paid_at):
            facts.append(_fact(shop_id, ReportKind.REPEAT_ORDER, paid_at, cents))
        open_ = [
            i for i in inquiries.get(customer, []) if paid_at - CONVERSION_WINDOW <= i[1] <= paid_at
        ]
        if open_:
            conversation_id, _opened, agent_id, team_id, channel, intent, segment = open_[-1]
            inquiries[customer].remove(open_[-1])
            facts.append(
                _fact(
                    shop_id,
                    ReportKind.CONVERSION,
                    paid_at,
                    cents,
                    conversation_id=conversation_id,
                    agent_id=agent_id,
                    team_id=team_id,
                    channel=channel.value,
                    stage=Skill.PRESALE.value,  # an inquiry is a 售前 conversation
                    intent=intent,
                    segment=segment,
                )
            )
    for chunk in _chunks(facts):
        await session.execute(insert(ReportEvent), list(chunk))
    return len(orders)
