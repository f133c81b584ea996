"""The worker's side of lifecycle journeys: each round sends the journey steps that came
due since the last one.

A journey's ``scanned_until`` is a cursor. A worker claims the window from the value it
read to now with a compare-and-swap ``UPDATE … WHERE scanned_until = <read>`` in the
same transaction that writes the window's messages: of two workers exactly one moves it
(on PostgreSQL the other's UPDATE waits for the first to commit, then matches nothing),
and a worker that dies mid-window rolls the claim back with its messages. A step with a
delay of d days handles the triggers that happened in the window shifted back by d, so
every (step, trigger) falls in exactly one window; the unique key of a step's messages
(step, customer, trigger) guards the rest. Only triggers from the journey's start count
(its creation, or being switched on again): the shop's history is not mailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from kefu.crm.outreach import (
    Outlets,
    customer_values,
    hand_over,
    messages_this_month,
    outlets,
    quiet_until,
    recount,
    step_sender,
    unreachable,
)
from kefu.crm.settings import crm_settings
from kefu.crm.shop_rfm import PAID
from kefu.lib.phrases import fill_or_drop
from kefu.lib.times import zone
from kefu.models import (
    CampaignChannel,
    CampaignMessage,
    Customer,
    Journey,
    JourneyStep,
    JourneyTrigger,
    Order,
    OrderLine,
    Shipment,
    Shop,
)

BIRTHDAY_AT = time(10, 0)  # shop time: a greeting at a friendly hour
EVERY = timedelta(minutes=1)  # a journey is looked at once a minute at most
BATCH = 50
MAX_WINDOW = timedelta(days=366)  # a worker down for longer skips the oldest triggers


@dataclass(frozen=True, slots=True)
class Trigger:
    """One event that starts a journey for a customer; ``key`` is its de-duplication."""

    customer_id: int
    key: str
    order_id: int | None = None
    order_number: str | None = None


async def _delivered(
    session: AsyncSession, journey: Journey, low: datetime, high: datetime
) -> list[Trigger]:
    """Orders of a customer with a shipment delivered in (low, high]: one trigger per order."""
    rows = await session.execute(
        select(Order.customer_id, Order.id, Order.external_id)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.shop_id == journey.shop_id, Order.customer_id.is_not(None))
        .where(Shipment.delivered_at > low, Shipment.delivered_at <= high)
        .order_by(Shipment.delivered_at, Shipment.id)
    )
    return [Trigger(customer, f"order:{order}", order, number) for customer, order, number in rows]


def celebrated(birthday: date, year: int) -> date:
    """The day a birthday is celebrated in ``year`` (29 February: the 28th otherwise)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


async def _birthdays(
    session: AsyncSession, shop: Shop, low: datetime, high: datetime
) -> list[Trigger]:
    """Customers whose birthday's 10:00 (shop time) falls in (low, high]."""
    tz = zone(shop.timezone)
    low = max(low, high - MAX_WINDOW)
    day, last, days = low.astimezone(tz).date(), high.astimezone(tz).date(), []
    while day <= last:
        if low < datetime.combine(day, BIRTHDAY_AT, tzinfo=tz) <= high:
            days.append(day)
        day += timedelta(days=1)
    if not days:
        return []
    rows = await session.execute(
        select(Customer.id, Customer.birthday)
        .where(Customer.shop_id == shop.id, Customer.birthday.is_not(None))
        .order_by(Customer.id)
    )
    return [
        Trigger(customer, f"birthday:{day.year}")
        for customer, birthday in rows
        for day in days
        if celebrated(birthday, day.year) == day
    ]


async def _lapsed(
    session: AsyncSession, journey: Journey, low: datetime, high: datetime
) -> list[Trigger]:
    """Customers whose last paid order is ``lapse_days`` old at some instant of (low,
    high]: nothing paid since. One trigger per last order."""
    lapse = timedelta(days=journey.lapse_days or 0)
    later = aliased(Order)
    rows = await session.execute(
        select(Order.customer_id, Order.id, Order.external_id)
        .where(Order.shop_id == journey.shop_id, Order.status.in_(PAID))
        .where(Order.customer_id.is_not(None))
        .where(Order.placed_at > low - lapse, Order.placed_at <= high - lapse)
        .where(
            ~exists().where(
                later.customer_id == Order.customer_id,
                later.status.in_(PAID),
                later.placed_at > Order.placed_at,
            )
        )
        .order_by(Order.placed_at, Order.id)
    )
    return [Trigger(customer, f"lapse:{order}", order, number) for customer, order, number in rows]


async def _triggers(
    session: AsyncSession, journey: Journey, shop: Shop, low: datetime, high: datetime
) -> list[Trigger]:
    if journey.trigger is JourneyTrigger.DELIVERED:
        return await _delivered(session, journey, low, high)
    if journey.trigger is JourneyTrigger.BIRTHDAY:
        return await _birthdays(session, shop, low, high)
    return await _lapsed(session, journey, low, high)


async def _product_names(session: AsyncSession, order_ids: set[int]) -> dict[int, str]:
    """The first line's title of each order, for {商品名}."""
    rows = await session.execute(
        select(OrderLine.order_id, OrderLine.title)
        .where(OrderLine.order_id.in_(order_ids))
        .order_by(OrderLine.order_id, OrderLine.line_no.desc())
    )
    return dict(rows.all())  # the last written per order is its first line


@dataclass(slots=True)
class Round:
    """What one window of one journey shares across its steps."""

    shop: Shop
    journey: Journey
    settings: dict[str, Any]
    now: datetime
    send_at: datetime
    out: Outlets


async def _send_step(
    session: AsyncSession, run: Round, step: JourneyStep, triggers: list[Trigger]
) -> int:
    """Messages of one step for its due triggers, under the opt-out, the monthly cap
    (counting every campaign and journey) and quiet hours; returns how many were made."""
    if not triggers:
        return 0
    ids = {t.customer_id for t in triggers}
    done = set(
        (
            await session.execute(
                select(CampaignMessage.customer_id, CampaignMessage.trigger_key).where(
                    CampaignMessage.journey_step_id == step.id,
                    CampaignMessage.customer_id.in_(ids),
                )
            )
        ).all()
    )
    customers = {
        c.id: c for c in await session.scalars(select(Customer).where(Customer.id.in_(ids)))
    }
    had = await messages_this_month(session, run.shop, list(ids), run.send_at)
    products = await _product_names(session, {t.order_id for t in triggers if t.order_id})
    sender = step_sender(run.journey, step)
    made = 0
    for trigger in triggers:
        if (trigger.customer_id, trigger.key) in done:
            continue
        done.add((trigger.customer_id, trigger.key))
        customer = customers[trigger.customer_id]
        if customer.opted_out_at is not None:
            recount(step, opted_out=1)
        elif had[customer.id] >= run.settings["frequency_cap"]:
            recount(step, capped=1)
        elif unreachable(step.channel, customer):
            recount(step, unreachable=1)
        elif step.channel is CampaignChannel.WEBHOOK and run.out.missing(step.channel):
            recount(step, no_webhook=1)
        elif run.out.missing(step.channel):
            recount(step, no_mailbox=1)
        else:
            values = customer_values(customer, run.shop) | {
                "商品名": products.get(trigger.order_id or 0),
                "订单号": trigger.order_number,
            }
            message = CampaignMessage(
                shop_id=run.shop.id,
                journey_step_id=step.id,
                trigger_key=trigger.key,
                customer_id=customer.id,
                variant="",
                body=fill_or_drop(step.template, values),
                send_at=run.send_at,
            )
            session.add(message)
            await session.flush()
            had[customer.id] += 1
            made += 1
            if run.send_at > run.now:
                recount(step, recipients=1, deferred=1)
            else:
                recount(step, recipients=1, sent=1)
                hand_over(session, message, sender, customer, run.out, run.now)
    return made


async def _claim(session: AsyncSession, journey_id: int, seen: datetime, now: datetime) -> bool:
    """The compare-and-swap: True if this transaction moved the cursor from ``seen``."""
    result = await session.execute(
        update(Journey)
        .where(
            Journey.id == journey_id,
            Journey.active.is_(True),
            Journey.scanned_until == seen,
        )
        .values(scanned_until=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def run_journey(
    session: AsyncSession, journey_id: int, seen: datetime, now: datetime
) -> int | None:
    """Claim the window (seen, now] of one journey and send its due steps; None when
    another worker claimed it first. The caller commits."""
    if not await _claim(session, journey_id, seen, now):
        return None
    journey = await session.get_one(Journey, journey_id)
    shop = await session.get_one(Shop, journey.shop_id)
    settings = crm_settings(shop.crm_settings)
    send_at = quiet_until(settings, shop, now) or now
    run = Round(shop, journey, settings, now, send_at, await outlets(session, shop.id))
    made = 0
    for step in journey.steps:
        delay = timedelta(days=step.delay_days)
        low = max(seen - delay, journey.started_at)
        triggers = (
            await _triggers(session, journey, shop, low, now - delay) if low < now - delay else []
        )
        made += await _send_step(session, run, step, triggers)
    await session.flush()
    return made


async def run_due_journeys(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """The worker's round: every active journey not looked at for a minute, one
    transaction each; returns the messages made."""
    async with sessionmaker() as session:
        due = (
            await session.execute(
                select(Journey.id, Journey.scanned_until)
                .where(Journey.active.is_(True), Journey.scanned_until <= now - EVERY)
                .order_by(Journey.scanned_until)
                .limit(BATCH)
            )
        ).all()
    made = 0
    for journey_id, seen in due:
        async with sessionmaker() as session:
            made += await run_journey(session, journey_id, seen, now) or 0
            await session.commit()
    return made
