"""A customer at a glance: what they are worth to the shop, how they buy, and every way
the shop has been in touch, for the customer page and the panel beside a conversation.

Purchase behaviour (the seeds' 讲价型, 拍下不买型 …) is read off the customer's own
history each time, never stored, so it follows their orders and chats as they change and a
merge or an import needs nothing recomputed. The rules are deliberately plain counts an
agent can check by looking at the same page."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.lib.cases import CaseStatus, CaseType
from kefu.models import Case, Conversation, Customer, Order, OrderStatus
from kefu.models.crm import CampaignMessage
from kefu.queries.access import fetch_owned
from kefu.queries.customers import current_segment

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
class CustomerSummary:
    customer_id: int
    lifetime_value_cents: int = 0
    paid_orders: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    segment: str | None = None
    conversations: int = 0
    last_contact_at: datetime | None = None
    cases: int = 0
    open_cases: int = 0
    campaign_messages: int = 0
    behaviours: list[Behaviour] = field(default_factory=list)

    @property
    def average_order_cents(self) -> int | None:
        return self.lifetime_value_cents // self.paid_orders if self.paid_orders else None


async def _orders(session: AsyncSession, shop_id: int, summary: CustomerSummary) -> int:
    """Fill the order figures; return the number of orders cancelled before payment."""
    mine = (Order.shop_id == shop_id, Order.customer_id == summary.customer_id)
    kept = await session.execute(
        select(
            func.coalesce(func.sum(Order.total_cents), 0),
            func.count(),
            func.min(Order.paid_at),
            func.max(Order.paid_at),
        ).where(*mine, Order.status.in_(KEPT), Order.paid_at.is_not(None))
    )
    value, count, first, last = kept.one()
    summary.lifetime_value_cents, summary.paid_orders = int(value), count
    summary.first_order_at, summary.last_order_at = first, last
    unpaid = select(func.count()).where(
        *mine, Order.status == OrderStatus.CANCELLED, Order.paid_at.is_(None)
    )
    return await session.scalar(unpaid) or 0


async def _contacts(
    session: AsyncSession, shop_id: int, summary: CustomerSummary
) -> tuple[int, int]:
    """Fill the conversation figures; return how many chats asked for a lower price and
    how many were complaints."""
    mine = (Conversation.shop_id == shop_id, Conversation.customer_id == summary.customer_id)
    count, last = (
        await session.execute(select(func.count(), func.max(Conversation.created_at)).where(*mine))
    ).one()
    summary.conversations, summary.last_contact_at = count, last
    intents = dict(
        (
            await session.execute(
                select(Conversation.intent, func.count())
                .where(*mine, Conversation.intent.in_(["presale.bargain", "aftersale.complaint"]))
                .group_by(Conversation.intent)
            )
        ).all()
    )
    return intents.get("presale.bargain", 0), intents.get("aftersale.complaint", 0)


async def _cases(session: AsyncSession, shop_id: int, summary: CustomerSummary) -> tuple[int, int]:
    """Fill the case figures; return the number of return, exchange and refund cases,
    and of complaints."""
    rows = (
        await session.execute(
            select(Case.type, Case.status, func.count())
            .where(Case.shop_id == shop_id, Case.customer_id == summary.customer_id)
            .group_by(Case.type, Case.status)
        )
    ).all()
    summary.cases = sum(n for _, _, n in rows)
    summary.open_cases = sum(n for _, status, n in rows if status not in SETTLED)
    returns = sum(n for kind, _, n in rows if kind in RETURN_TYPES)
    return returns, sum(n for kind, _, n in rows if kind is CaseType.COMPLAINT)


async def customer_summary(
    session: AsyncSession, actor: Actor, customer_id: int
) -> CustomerSummary:
    """The customer's worth, habits and contacts with the shop (read-only)."""
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    summary = CustomerSummary(customer.id)
    unpaid = await _orders(session, actor.shop_id, summary)
    bargains, complaint_chats = await _contacts(session, actor.shop_id, summary)
    returns, complaint_cases = await _cases(session, actor.shop_id, summary)
    summary.segment = await current_segment(session, actor.shop_id, customer.id)
    summary.campaign_messages = (
        await session.scalar(
            select(func.count()).where(
                CampaignMessage.shop_id == actor.shop_id,
                CampaignMessage.customer_id == customer.id,
            )
        )
        or 0
    )
    habits = (
        (Behaviour.BARGAINER, bargains >= HABIT),
        (Behaviour.UNPAID_ORDERS, unpaid >= HABIT),
        (Behaviour.FREQUENT_RETURNS, returns >= HABIT),
        (Behaviour.COMPLAINED, complaint_chats + complaint_cases > 0),
        (Behaviour.LOYAL, summary.paid_orders >= LOYAL_ORDERS),
    )
    summary.behaviours = [b for b, shown in habits if shown]
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
