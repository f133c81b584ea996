"""Reading customers; contact details masked for agents without permission."""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import Customer
from kefu.models.crm import RfmSnapshot
from kefu.queries.access import fetch_owned
from kefu.queries.contact import mask_customers
from kefu.queries.pagination import Page, paginate


def has_tag(tag: str) -> ColumnElement[bool]:
    """The customer carries ``tag``. Tags are a JSON list stored as json.dumps wrote it
    (\\u escapes) on both databases; autoescape makes LIKE treat those backslashes
    literally on PostgreSQL too."""
    return cast(Customer.tags, String).contains(json.dumps(tag), autoescape=True)


async def list_customers(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    tag: str | None = None,
    external_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Customer]:
    """Customers of the actor's shop, oldest first; ``q`` matches name, nickname,
    external id, phone or e-mail; ``tag`` is one of the customer's tags."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Customer).where(Customer.shop_id == actor.shop_id)
    if q:
        fields = (
            Customer.name,
            Customer.nickname,
            Customer.external_id,
            Customer.phone,
            Customer.email,
        )
        stmt = stmt.where(or_(*(f.icontains(q, autoescape=True) for f in fields)))
    if tag:
        stmt = stmt.where(has_tag(tag))
    if external_id:
        stmt = stmt.where(Customer.external_id == external_id)
    page = await paginate(session, stmt, Customer.id, cursor=cursor, limit=limit)
    mask_customers(actor, page.items)
    return page


async def get_customer(session: AsyncSession, actor: Actor, customer_id: int) -> Customer:
    """One customer of the actor's shop with identities, masked as the actor requires."""
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    mask_customers(actor, [customer])
    return customer


async def current_segment(
    session: AsyncSession, shop_id: int, customer_id: int | None
) -> str | None:
    """The customer's RFM segment in the newest snapshot (None: no customer, or never
    scored): what a new conversation records for the reports' segment filter."""
    if customer_id is None:
        return None
    return await session.scalar(
        select(RfmSnapshot.segment)
        .where(RfmSnapshot.shop_id == shop_id, RfmSnapshot.customer_id == customer_id)
        .order_by(RfmSnapshot.day.desc())
        .limit(1)
    )


async def likely_duplicates(
    session: AsyncSession, actor: Actor, customer_id: int, limit: int = 20
) -> list[Customer]:
    """Other customers of the shop with the same phone or e-mail (letter case aside):
    the candidates a supervisor may merge into this one."""
    customer = await fetch_owned(session, actor, Customer, customer_id, "customer")
    same = []
    if customer.phone:
        same.append(Customer.phone == customer.phone)
    if customer.email:
        same.append(func.lower(Customer.email) == customer.email.lower())
    if not same:
        return []
    found = list(
        await session.scalars(
            select(Customer)
            .where(Customer.shop_id == actor.shop_id, Customer.id != customer.id, or_(*same))
            .order_by(Customer.id)
            .limit(limit)
        )
    )
    mask_customers(actor, [customer, *found])
    return found
