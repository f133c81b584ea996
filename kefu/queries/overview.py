"""The figures on a shop's home page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import Agent, Customer, Order, OrderStatus, Presence, Product
from kefu.models.base import utcnow

# Orders that brought money in and kept it.
REVENUE_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


@dataclass(slots=True)
class ShopOverview:
    orders: int
    customers: int
    products: int
    agents: int
    agents_online: int
    revenue_30d_cents: int
    paid_orders_30d: int
    orders_by_status: dict[OrderStatus, int] = field(default_factory=dict)


async def _count(session: AsyncSession, model: type, shop_id: int, *where: object) -> int:
    stmt = select(func.count()).select_from(model).where(model.shop_id == shop_id, *where)  # type: ignore[attr-defined]
    return int(await session.scalar(stmt) or 0)


async def shop_overview(session: AsyncSession, actor: Actor) -> ShopOverview:
    """Counts of the actor's shop, and the last 30 days' orders and takings."""
    actor.require(Permission.READ_SHOP_DATA)
    shop_id = actor.shop_id
    since = utcnow() - timedelta(days=30)
    recent = await session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total_cents), 0)).where(
            Order.shop_id == shop_id,
            Order.placed_at >= since,
            Order.status.in_(REVENUE_STATUSES),
        )
    )
    paid_orders_30d, revenue = recent.one()
    by_status = await session.execute(
        select(Order.status, func.count()).where(Order.shop_id == shop_id).group_by(Order.status)
    )
    return ShopOverview(
        orders=await _count(session, Order, shop_id),
        customers=await _count(session, Customer, shop_id),
        products=await _count(session, Product, shop_id),
        agents=await _count(session, Agent, shop_id, Agent.active.is_(True)),
        agents_online=await _count(
            session, Agent, shop_id, Agent.active.is_(True), Agent.presence == Presence.ONLINE
        ),
        revenue_30d_cents=int(revenue),
        paid_orders_30d=int(paid_orders_30d),
        orders_by_status={OrderStatus(s): int(n) for s, n in by_status.all()},
    )


async def customer_names(
    session: AsyncSession, actor: Actor, customer_ids: Iterable[int | None]
) -> dict[int, str]:
    """Display names of the actor's shop's customers, for lists of their orders."""
    actor.require(Permission.READ_SHOP_DATA)
    wanted = {i for i in customer_ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Customer.id, Customer.name, Customer.nickname, Customer.external_id).where(
            Customer.shop_id == actor.shop_id, Customer.id.in_(wanted)
        )
    )
    return {cid: name or nickname or external_id for cid, name, nickname, external_id in rows}
