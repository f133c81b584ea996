"""Reading the shop's daily RFM snapshots: which day is newest, and each customer's
segment on a day. Shared by the segment views, campaigns and the tag rules (which run while
snapshots are written, so they cannot import the writer)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import RfmSnapshot


async def latest_day(session: AsyncSession, shop_id: int, until: date | None = None) -> date | None:
    """The newest snapshot day (on or before ``until`` when given)."""
    query = select(func.max(RfmSnapshot.day)).where(RfmSnapshot.shop_id == shop_id)
    if until is not None:
        query = query.where(RfmSnapshot.day <= until)
    return await session.scalar(query)


async def segments_on(session: AsyncSession, shop_id: int, day: date | None) -> dict[int, str]:
    """Customer id → segment in the snapshot of ``day`` (empty without one)."""
    if day is None:
        return {}
    rows = await session.execute(
        select(RfmSnapshot.customer_id, RfmSnapshot.segment).where(
            RfmSnapshot.shop_id == shop_id, RfmSnapshot.day == day
        )
    )
    return dict(rows.all())
