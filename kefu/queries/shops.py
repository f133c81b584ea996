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


async def calendar_of(session: AsyncSession, shop: Shop) -> ShopCalendar:
    """Business hours, holidays and make-up working days of ``shop``, ready for SLA and
    KPI clocks (the worker calls it without an actor: one shop's rows only)."""
    days = list(await session.scalars(select(Holiday).where(Holiday.shop_id == shop.id)))
    return ShopCalendar(
        shop.timezone,
        shop.business_hours,
        frozenset(d.day for d in days if d.hours is None),
        {d.day: d.hours for d in days if d.hours is not None},
    )


async def shop_calendar(session: AsyncSession, actor: Actor) -> ShopCalendar:
    """The calendar of the actor's shop."""
    return await calendar_of(session, await get_shop(session, actor))
