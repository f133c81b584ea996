"""Reading the actor's shop: profile, holidays and the calendar built from them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import NotFound
from kefu.lib.business_hours import ShopCalendar
from kefu.models import Holiday, Shop


async def get_shop(session: AsyncSession, actor: Actor) -> Shop:
    """The actor's own shop (the only one it can ever see)."""
    actor.require(Permission.READ_SHOP_DATA)
    shop = await session.get(Shop, actor.shop_id)
    if shop is None:
        raise NotFound("shop")
    return shop


async def list_holidays(session: AsyncSession, actor: Actor) -> list[Holiday]:
    actor.require(Permission.READ_SHOP_DATA)
    return list(
        await session.scalars(
            select(Holiday).where(Holiday.shop_id == actor.shop_id).order_by(Holiday.day)
        )
    )


async def shop_calendar(session: AsyncSession, actor: Actor) -> ShopCalendar:
    """Business hours and holidays of the actor's shop, ready for SLA and KPI clocks."""
    shop = await get_shop(session, actor)
    holidays = frozenset(h.day for h in await list_holidays(session, actor))
    return ShopCalendar(shop.timezone, shop.business_hours, holidays)
