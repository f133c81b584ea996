"""A customer at a glance: what they are worth to the shop, how they buy, and every way
the shop has been in touch, for the customer page and the panel beside a conversation.

Purchase behaviour (the seeds' 讲价型, 拍下不买型 …) is read off the customer's own
history each time, never stored, so it follows their orders and chats as they change and a
merge or an import needs nothing recomputed. The rules are deliberately plain counts an
agent can check by looking at the same page."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.lib.cases import CaseStatus, CaseType
from kefu.models import Case, Conversation, Customer, Order, OrderStatus
from kefu.models.crm import CampaignMessage
from kefu.queries.access import fetch_owned
from kefu.queries.customers import current_segment

BARGAIN_INTENT = "presale.bargain"
COMPLAINT_INTENT = "aftersale.complaint"
# Two of a kind make a habit; one is chance.
HABIT = 2
LOYAL_ORDERS = 3
RECENT = 10  # conversations and cases listed on the customer's page
RETURN_TYPES = (CaseType.RETURN, CaseType.EXCHANGE, CaseType.REFUND_ONLY)
SETTLED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Orders that count towards lifetime value: paid and not given back.
KEPT = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


class Behaviour(enum.StrEnum):
    """How a customer buys, from their history (the seeds' 买家类型 by behaviour)."""

    BARGAINER = "bargainer"  # 讲价型: asked for a lower price in two chats or more
    UNPAID_ORDERS = "unpaid_orders"  # 拍下不买型: cancelled two orders or more unpaid
    FREQUENT_RETURNS = "frequent_returns"  # 退换货多: two return, exchange or refund cases
    COMPLAINED = "complained"  # 投诉过: a complaint case, or a chat about one
    LOYAL = "loyal"  # 回头客: three paid orders or more


@dataclass(slots=True)
class Habits:
    """What a customer's history holds, counted: the ground of their behaviours."""

    lifetime_value_cents: int = 0
    paid_orders: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    unpaid_cancelled: int = 0
    bargains: int = 0
    returns: int = 0
    complaints: int = 0

    def behaviours(self) -> list[Behaviour]:
        shown = (
            (Behaviour.BARGAINER, self.bargains >= HABIT),
            (Behaviour.UNPAID_ORDERS, self.unpaid_cancelled >= HABIT),
            (Behaviour.FREQUENT_RETURNS, self.returns >= HABIT),
            (Behaviour.COMPLAINED, self.complaints > 0),
            (Behaviour.LOYAL, self.paid_orders >= LOYAL_ORDERS),
        )
        return [b for b, holds in shown if holds]


@dataclass(slots=True)
class CustomerSummary:
    customer_id: int
    habits: Habits
    segment: str | None = None
    conversations: int = 0
    last_contact_at: datetime | None = None
    cases: int = 0
    open_cases: int = 0
    campaign_messages: int = 0

    @property
    def lifetime_value_cents(self) -> int:
        return self.habits.lifetime_value_cents

    @property
    def paid_orders(self) -> int:
        return self.habits.paid_orders

    @property
    def first_order_at(self) -> datetime | None:
        return self.habits.first_order_at

    @property
    def last_order_at(self) -> datetime | None:
        return self.habits.last_order_at

    @property
    def average_order_cents(self) -> int | None:
        return self.lifetime_value_cents // self.paid_orders if self.paid_orders else None

    @property
    def behaviours(self) -> list[Behaviour]:
        return self.habits.behaviours()


async def habit_counts(
    session: AsyncSession, shop_id: int, customer_ids: Sequence[int] | None = None
) -> dict[int, Habits]:
    """Habits of the given customers of the shop (all its customers when None), in four
    grouped queries whatever their number: the customer page asks for one, the nightly
    tag rules for every customer."""
    found: dict[int, Habits] = defaultdict(Habits)

    def only(column: Any) -> Any:
        return column.in_(customer_ids) if customer_ids is not None else column.is_not(None)

    kept = await session.execute(
        select(
            Order.customer_id,
            func.coalesce(func.sum(Order.total_cents), 0),
            func.count(),
            func.min(Order.paid_at),
            func.max(Order.paid_at),
        )
        .where(
            Order.shop_id == shop_id,
            only(Order.customer_id),
            Order.status.in_(KEPT),
            Order.paid_at.is_not(None),
        )
        .group_by(Order.customer_id)
    )
    for customer, value, count, first, last in kept.all():
        habits = found[customer]
        habits.lifetime_value_cents, habits.paid_orders = int(value), count
        habits.first_order_at, habits.last_order_at = first, last
    unpaid = await session.execute(
        select(Order.customer_id, func.count())
        .where(
            Order.shop_id == shop_id,
            only(Order.customer_id),
            Order.status == OrderStatus.CANCELLED,
            Order.paid_at.is_(None),
        )
        .group_by(Order.customer_id)
    )
    for customer, count in unpaid.all():
        found[customer].unpaid_cancelled = count
    chats = await session.execute(
        select(Conversation.customer_id, Conversation.intent, func.count())
        .where(
            Conversation.shop_id == shop_id,
            only(Conversation.customer_id),
            Conversation.intent.in_([BARGAIN_INTENT, COMPLAINT_INTENT]),
        )
        .group_by(Conversation.customer_id, Conversation.intent)
    )
    for customer, intent, count in chats.all():
        if intent == BARGAIN_INTENT:
            found[customer].bargains += count
        else:
            found[customer].complaints += count
    cases = await session.execute(
        select(Case.customer_id, Case.type, func.count())
        .where(
            Case.shop_id == shop_id,
            only(Case.customer_id),
            Case.type.in_([*RETURN_TYPES, CaseType.COMPLAINT]),
        )
        .group_by(Case.customer_id, Case.type)
    )
    for customer, kind, count in cases.all():
        if kind is CaseType.COMPLAINT:
            found[customer].complaints += count
        else:
            found[customer].returns += count
    return dict(found)


async def customer_summary(
    session: AsyncSession, actor: Actor, customer_id: int
) -> CustomerSummary:
    """The customer's worth, habits and contacts with the shop (read-only)."""
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    shop_id = actor.shop_id
    habits = (await habit_counts(session, shop_id, [customer.id])).get(customer.id, Habits())
    summary = CustomerSummary(customer.id, habits)
    count, last = (
        await session.execute(
            select(func.count(), func.max(Conversation.created_at)).where(
                Conversation.shop_id == shop_id, Conversation.customer_id == customer.id
            )
        )
    ).one()
    summary.conversations, summary.last_contact_at = count, last
    statuses = await session.execute(
        select(Case.status, func.count())
        .where(Case.shop_id == shop_id, Case.customer_id == customer.id)
        .group_by(Case.status)
    )
    for status, n in statuses.all():
        summary.cases += n
        summary.open_cases += 0 if status in SETTLED else n
    summary.segment = await current_segment(session, shop_id, customer.id)
    summary.campaign_messages = (
        await session.scalar(
            select(func.count()).where(
                CampaignMessage.shop_id == shop_id, CampaignMessage.customer_id == customer.id
            )
        )
        or 0
    )
    return summary


async def recent_contacts(
    session: AsyncSession, actor: Actor, customer_id: int, limit: int = RECENT
) -> tuple[list[Conversation], list[Case]]:
    """The customer's newest conversations and cases, for their page."""
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    conversations = await session.scalars(
        select(Conversation)
        .where(Conversation.shop_id == actor.shop_id, Conversation.customer_id == customer.id)
        .order_by(Conversation.id.desc())
        .limit(limit)
    )
    cases = await session.scalars(
        select(Case)
        .where(Case.shop_id == actor.shop_id, Case.customer_id == customer.id)
        .order_by(Case.id.desc())
        .limit(limit)
    )
    return list(conversations), list(cases)
