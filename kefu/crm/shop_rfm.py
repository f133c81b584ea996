"""A shop's RFM, from its paid orders: the daily snapshot of every customer's scores and
segment, and what the shop reads from the snapshots (segment sizes, the customers of a
segment, sizes over time, flows between segments).

The scoring is ``kefu.crm.rfm`` — the code behind ``kefu rfm`` — fed with the shop's orders
instead of a file. An order counts once it is paid (paid, shipped, delivered or completed;
never pending, cancelled or refunded), on the shop-local date it was paid (placed, when
the payment time is unknown). Recency is counted to the snapshot's day, so a customer who
bought that day has recency 0."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor, Permission
from kefu.crm.segments import SEGMENTS, Segment
from kefu.crm.settings import crm_settings, thresholds_of
from kefu.crm.snapshots import latest_day, segments_on
from kefu.crm.tag_rules import apply_tag_rules
from kefu.errors import Invalid
from kefu.lib.times import zone
from kefu.models import Customer, Order, OrderStatus, RfmSnapshot, Shop
from kefu.queries.contact import mask_customers
from kefu.queries.pagination import Page, paginate
from kefu.queries.shops import get_shop

if TYPE_CHECKING:
    import polars as pl

PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
BY_SLUG: dict[str, Segment] = {segment.slug: segment for segment in SEGMENTS.values()}
NONE = "none"  # in flows: not a customer with paid orders on that day
MAX_HISTORY_DAYS = 366


def shop_today(shop: Shop, now: datetime) -> date:
    return now.astimezone(zone(shop.timezone)).date()


def segment_slug(value: Any, field: str = "segment") -> str:
    """A known segment slug, or a refusal naming the eight."""
    if value not in BY_SLUG:
        raise Invalid(f"{field} must be one of: {', '.join(BY_SLUG)}", field=field)
    return str(value)


async def order_lines(session: AsyncSession, shop: Shop, until: date) -> pl.DataFrame:
    """The shop's paid orders with a customer up to ``until`` (shop-local dates), as the
    order lines ``rfm_table`` reads: one line per order with the order's total."""
    import polars as pl  # here, not at import: a server process rarely computes RFM

    from kefu.crm.rfm import LINE_SCHEMA

    rows = await session.execute(
        select(Order.customer_id, Order.id, Order.paid_at, Order.placed_at, Order.total_cents)
        .where(Order.shop_id == shop.id, Order.customer_id.is_not(None))
        .where(Order.status.in_(PAID), Order.total_cents > 0)
    )
    tz = zone(shop.timezone)
    lines = [
        (str(customer), str(order), (paid or placed).astimezone(tz).date(), cents)
        for customer, order, paid, placed, cents in rows
    ]
    frame = pl.DataFrame(
        [line for line in lines if line[2] <= until], schema=LINE_SCHEMA, orient="row"
    )
    return frame


async def compute_shop_rfm(session: AsyncSession, shop: Shop, day: date) -> pl.DataFrame:
    """``rfm_table`` of the shop on ``day``: customer ids as text, monetary in cents."""
    from kefu.crm.rfm import rfm_table  # polars: see order_lines

    lines = await order_lines(session, shop, day)
    thresholds = thresholds_of(crm_settings(shop.crm_settings))
    return rfm_table(lines, scale=2, as_of=day, thresholds=thresholds)


@dataclass(frozen=True, slots=True)
class Refreshed:
    day: date
    customers: int


async def write_snapshot(session: AsyncSession, shop: Shop, day: date) -> Refreshed:
    """Replace the shop's snapshot of ``day`` (computing again the same day is harmless)."""
    table = await compute_shop_rfm(session, shop, day)
    await session.execute(
        delete(RfmSnapshot).where(RfmSnapshot.shop_id == shop.id, RfmSnapshot.day == day)
    )
    rows = [
        {
            "shop_id": shop.id,
            "day": day,
            "customer_id": int(row["customer_id"]),
            "recency_days": row["recency_days"],
            "frequency": row["frequency"],
            "monetary_cents": row["monetary"],
            "r": row["r"],
            "f": row["f"],
            "m": row["m"],
            "segment": row["segment"],
        }
        for row in table.iter_rows(named=True)
    ]
    if rows:
        await session.execute(insert(RfmSnapshot), rows)
    return Refreshed(day, len(rows))


async def do_refresh_rfm(
    session: AsyncSession, actor: Actor, now: datetime, day: date | None = None
) -> Refreshed:
    """Compute today's snapshot now (``POST /rfm/refresh``), or a past day's from the
    orders paid up to that day (the demo fills its history so); then the shop's tag rules
    are applied."""
    actor.require(Permission.WRITE_SHOP_DATA)
    shop = await get_shop(session, actor)
    today = shop_today(shop, now)
    if day is not None and day > today:
        raise Invalid("a snapshot can only be taken of today or a past day", field="day")
    refreshed = await write_snapshot(session, shop, day or today)
    await apply_tag_rules(session, shop.id, crm_settings(shop.crm_settings)["tag_rules"])
    return refreshed


async def take_due_snapshots(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """The worker's daily round: every shop without a snapshot of its today gets one;
    returns how many snapshots had customers. (A shop without paid orders leaves no rows,
    so it is looked at again next round: one query of its orders.)"""
    taken = 0
    async with sessionmaker() as session:
        shops = (await session.scalars(select(Shop))).all()
        latest = dict(
            (
                await session.execute(
                    select(RfmSnapshot.shop_id, func.max(RfmSnapshot.day)).group_by(
                        RfmSnapshot.shop_id
                    )
                )
            ).all()
        )
    for shop in shops:
        today = shop_today(shop, now)
        if latest.get(shop.id) == today:
            continue
        async with sessionmaker() as session:
            current = await session.get_one(Shop, shop.id)
            written = await write_snapshot(session, current, today)
            await apply_tag_rules(session, shop.id, crm_settings(current.crm_settings)["tag_rules"])
            await session.commit()
        if written.customers:
            taken += 1
    return taken


# ---- reading the snapshots --------------------------------------------------------------


async def _sizes(session: AsyncSession, shop_id: int, day: date) -> Counter[str]:
    rows = await session.execute(
        select(RfmSnapshot.segment, func.count())
        .where(RfmSnapshot.shop_id == shop_id, RfmSnapshot.day == day)
        .group_by(RfmSnapshot.segment)
    )
    return Counter(dict(rows.all()))


@dataclass(frozen=True, slots=True)
class SegmentSizes:
    day: date | None
    sizes: dict[str, int]  # every slug, in the order of ``SEGMENTS``
    method: dict[str, Any]  # each measure's cut points, None where quintiles are used


async def segment_sizes(session: AsyncSession, actor: Actor) -> SegmentSizes:
    """The latest snapshot's size of each of the eight segments (0 when empty)."""
    actor.require(Permission.READ_SHOP_DATA)
    shop = await get_shop(session, actor)
    day = await latest_day(session, actor.shop_id)
    counted = await _sizes(session, actor.shop_id, day) if day else Counter()
    thresholds = crm_settings(shop.crm_settings)["rfm_thresholds"] or {}
    method = {
        name: thresholds.get(name) for name in ("recency_days", "frequency", "monetary_cents")
    }
    return SegmentSizes(day, {slug: counted[slug] for slug in BY_SLUG}, method)


async def segment_customers(
    session: AsyncSession,
    actor: Actor,
    *,
    segment: str | None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[tuple[RfmSnapshot, Customer]]:
    """The customers of the latest snapshot (of one segment when given), with their
    scores; contact details masked as the actor requires."""
    actor.require(Permission.READ_SHOP_DATA)
    day = await latest_day(session, actor.shop_id)
    query = select(RfmSnapshot).where(RfmSnapshot.shop_id == actor.shop_id, RfmSnapshot.day == day)
    if segment is not None:
        query = query.where(RfmSnapshot.segment == segment_slug(segment))
    page = await paginate(session, query, RfmSnapshot.id, cursor=cursor, limit=limit)
    ids = [row.customer_id for row in page.items]
    customers = {
        c.id: c for c in await session.scalars(select(Customer).where(Customer.id.in_(ids)))
    }
    mask_customers(actor, customers.values())
    return Page([(row, customers[row.customer_id]) for row in page.items], page.next_cursor)


async def segment_history(
    session: AsyncSession, actor: Actor, since: date | None, until: date | None
) -> list[tuple[date, dict[str, int]]]:
    """Each snapshot day in the range with every segment's size, oldest first."""
    actor.require(Permission.READ_SHOP_DATA)
    query = select(RfmSnapshot.day, RfmSnapshot.segment, func.count()).where(
        RfmSnapshot.shop_id == actor.shop_id
    )
    if since is not None:
        query = query.where(RfmSnapshot.day >= since)
    if until is not None:
        query = query.where(RfmSnapshot.day <= until)
    rows = await session.execute(query.group_by(RfmSnapshot.day, RfmSnapshot.segment))
    days: dict[date, dict[str, int]] = {}
    for day, slug, count in rows:
        days.setdefault(day, dict.fromkeys(BY_SLUG, 0))[slug] = count
    return sorted(days.items())[-MAX_HISTORY_DAYS:]


@dataclass(frozen=True, slots=True)
class Flows:
    from_day: date | None
    to_day: date | None
    counts: list[tuple[str, str, int]]  # (from segment, to segment, customers), largest first


async def segment_flows(
    session: AsyncSession, actor: Actor, from_day: date | None, to_day: date | None
) -> Flows:
    """How many customers went from each segment to each other between two snapshots.

    Each date is read as the latest snapshot on or before it; ``to_day`` defaults to the
    latest snapshot, ``from_day`` to 30 days before it. ``none`` stands for a customer
    without paid orders yet (or no longer a customer) on that day."""
    actor.require(Permission.READ_SHOP_DATA)
    if from_day and to_day and from_day > to_day:
        raise Invalid("the end date must be after the start date", field="from")
    end = await latest_day(session, actor.shop_id, to_day)
    start = await latest_day(
        session, actor.shop_id, from_day or (end - timedelta(days=30) if end else None)
    )
    before = await segments_on(session, actor.shop_id, start)
    after = await segments_on(session, actor.shop_id, end)
    moved = Counter(
        (before.get(customer, NONE), after.get(customer, NONE)) for customer in before | after
    )
    counts = sorted(((a, b, n) for (a, b), n in moved.items()), key=lambda t: (-t[2], t[0], t[1]))
    return Flows(start, end, counts)
