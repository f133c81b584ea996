"""Reading products."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import Product
from kefu.queries.pagination import Page, paginate


async def list_products(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    category: str | None = None,
    external_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Product]:
    """Products of the actor's shop; ``q`` matches title or SKU."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Product).where(Product.shop_id == actor.shop_id)
    if q:
        stmt = stmt.where(
            or_(
                Product.title.icontains(q, autoescape=True),
                Product.sku.icontains(q, autoescape=True),
            )
        )
    if category:
        stmt = stmt.where(Product.category == category)
    if external_id:
        stmt = stmt.where(Product.external_id == external_id)
    return await paginate(session, stmt, Product.id, cursor=cursor, limit=limit)
