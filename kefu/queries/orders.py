"""Reading orders (newest first), shipments and coupons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.models import Coupon, Customer, Order, OrderStatus, Shipment, ShipmentStatus
from kefu.queries.access import fetch_owned
from kefu.queries.contact import mask_customers, mask_orders
from kefu.queries.pagination import (
    MAX_LIMIT,
    Page,
    decode_cursor,
    encode_cursor,
    id_filter,
    paginate,
)


@dataclass(slots=True)
class OrderDetail:
    """An order with its lines (``order.lines``), its customer and its shipments, each
    with its tracking events (``shipment.events``, oldest first)."""

    order: Order
    customer: Customer | None
    shipments: list[Shipment]


async def list_orders(
    session: AsyncSession,
    actor: Actor,
    *,
    status: OrderStatus | None = None,
    customer_id: int | None = None,
    q: str | None = None,
    placed_from: datetime | None = None,
    placed_to: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Order]:
    """Orders of the actor's shop, newest placed first; ``q`` matches the order number.
    ``placed_from`` is inclusive, ``placed_to`` exclusive."""
    actor.require(Permission.READ_SHOP_DATA)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = select(Order).where(Order.shop_id == actor.shop_id)
    if status:
        stmt = stmt.where(Order.status == status)
    if id_filter(customer_id, "customer_id") is not None:
        stmt = stmt.where(Order.customer_id == customer_id)
    if q:
        stmt = stmt.where(Order.external_id.icontains(q, autoescape=True))
    if placed_from:
        stmt = stmt.where(Order.placed_at >= placed_from)
    if placed_to:
        stmt = stmt.where(Order.placed_at < placed_to)
    if cursor:
        stmt = stmt.where(_after(actor, decode_cursor(cursor)))
    stmt = stmt.order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit + 1)
    rows = list(await session.scalars(stmt))
    items = rows[:limit]
    mask_orders(actor, items)
    return Page(items, encode_cursor(items[-1].id) if len(rows) > limit else None)


def _after(actor: Actor, last_id: int) -> ColumnElement[bool]:
    """Orders after the order ``last_id`` in (placed_at, id) descending order."""
    last = (
        select(Order.placed_at)
        .where(Order.id == last_id, Order.shop_id == actor.shop_id)
        .scalar_subquery()
    )
    return or_(Order.placed_at < last, and_(Order.placed_at == last, Order.id < last_id))


async def get_order(session: AsyncSession, actor: Actor, order_id: int) -> OrderDetail:
    """One order of the actor's shop with lines, customer and shipments with tracking."""
    order = await fetch_owned(session, actor, Order, order_id, "order")
    customer = (
        await session.get(Customer, order.customer_id) if order.customer_id is not None else None
    )
    shipments = list(
        await session.scalars(
            select(Shipment)
            .where(Shipment.shop_id == actor.shop_id, Shipment.order_id == order.id)
            .order_by(Shipment.id)
        )
    )
    mask_orders(actor, [order])
    mask_customers(actor, [customer])
    return OrderDetail(order, customer, shipments)


async def list_shipments(
    session: AsyncSession,
    actor: Actor,
    *,
    order_id: int | None = None,
    status: ShipmentStatus | None = None,
    tracking_no: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Shipment]:
    """Shipments of the actor's shop (with tracking events), newest first."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Shipment).where(Shipment.shop_id == actor.shop_id)
    if id_filter(order_id, "order_id") is not None:
        stmt = stmt.where(Shipment.order_id == order_id)
    if status:
        stmt = stmt.where(Shipment.status == status)
    if tracking_no:
        stmt = stmt.where(Shipment.tracking_no == tracking_no)
    return await paginate(session, stmt, Shipment.id, cursor=cursor, limit=limit, newest_first=True)


async def get_shipment(session: AsyncSession, actor: Actor, shipment_id: int) -> Shipment:
    return await fetch_owned(session, actor, Shipment, shipment_id, "shipment")


async def list_coupons(
    session: AsyncSession,
    actor: Actor,
    *,
    code: str | None = None,
    customer_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Coupon]:
    """Coupons of the actor's shop, newest first; ``code`` matches part of the code."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Coupon).where(Coupon.shop_id == actor.shop_id)
    if code:
        stmt = stmt.where(Coupon.code.icontains(code, autoescape=True))
    if id_filter(customer_id, "customer_id") is not None:
        stmt = stmt.where(Coupon.customer_id == customer_id)
    return await paginate(session, stmt, Coupon.id, cursor=cursor, limit=limit, newest_first=True)


async def get_coupon(session: AsyncSession, actor: Actor, coupon_id: int) -> Coupon:
    return await fetch_owned(session, actor, Coupon, coupon_id, "coupon")
