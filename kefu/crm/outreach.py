"""What campaigns and lifecycle journeys share: the rules that keep outreach polite and
the delivery of a message (docs/crm.md).

A message is a ``CampaignMessage`` row whatever sent it, so one monthly frequency cap
counts campaigns and journey steps together; quiet hours (default 22:00–08:00 shop time)
defer a message to their end; an opt-out takes effect at once, dropping messages still
waiting. A message goes out through a signed webhook (the shop's SMS or marketplace-IM
adapter), waits in the chat widget for the customer's next visit, or is queued as a mail
from the shop's mailbox (kind ``campaign``: the worker adds the one-click unsubscribe
link, kefu.crm.unsubscribe). A customer without an e-mail address is unreachable by
e-mail: counted as ``unreachable``, never sent to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot, wake_jobs_on_commit
from kefu.actions.mail_out import queue_mail
from kefu.actions.webhooks import CAMPAIGN_MESSAGE, new_delivery
from kefu.crm.settings import minutes_of
from kefu.crm.shop_rfm import PAID
from kefu.lib.times import local_midnight, zone
from kefu.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    Customer,
    Journey,
    JourneyStep,
    Mail,
    Mailbox,
    MailKind,
    MailState,
    Order,
    Shop,
    Visitor,
)
from kefu.models.webhooks import WebhookEndpoint
from kefu.queries.access import fetch_owned


def quiet_until(settings: dict[str, Any], shop: Shop, now: datetime) -> datetime | None:
    """When the quiet hours around ``now`` end (aware UTC), or None outside them."""
    hours = settings["quiet_hours"]
    if not hours:
        return None
    tz = zone(shop.timezone)
    local = now.astimezone(tz)
    start, end = minutes_of(hours[0]), minutes_of(hours[1])
    minute = local.hour * 60 + local.minute
    quiet = (start <= minute or minute < end) if start > end else start <= minute < end
    if not quiet:
        return None
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    clock = time(end // 60, end % 60)
    return datetime.combine(day, clock, tzinfo=tz).astimezone(now.tzinfo)


def month_bounds(shop: Shop, at: datetime) -> tuple[datetime, datetime]:
    """The shop-local calendar month around ``at``, as UTC instants."""
    tz = zone(shop.timezone)
    first = at.astimezone(tz).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first, tz), local_midnight(following, tz)


async def messages_this_month(
    session: AsyncSession, shop: Shop, customer_ids: list[int], at: datetime
) -> Counter[int]:
    """Messages of every campaign and journey each customer has had (or waits for) in
    the month of ``at``: what the frequency cap counts."""
    start, end = month_bounds(shop, at)
    rows = await session.execute(
        select(CampaignMessage.customer_id, func.count())
        .where(CampaignMessage.shop_id == shop.id, CampaignMessage.customer_id.in_(customer_ids))
        .where(CampaignMessage.send_at >= start, CampaignMessage.send_at < end)
        .group_by(CampaignMessage.customer_id)
    )
    return Counter(dict(rows.all()))


@dataclass(frozen=True, slots=True)
class Outlets:
    """Where a shop's messages can go out: its active endpoints subscribed to campaign
    messages, and its mailbox (None: none set up)."""

    endpoints: list[WebhookEndpoint]
    mailbox: Mailbox | None

    def missing(self, channel: CampaignChannel) -> bool:
        """True when nothing can carry a new message of ``channel`` now (the widget always
        can): no endpoint, or no mailbox switched on."""
        if channel is CampaignChannel.WEBHOOK:
            return not self.endpoints
        active = self.mailbox is not None and self.mailbox.active
        return channel is CampaignChannel.EMAIL and not active


async def outlets(session: AsyncSession, shop_id: int) -> Outlets:
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.shop_id == shop_id, WebhookEndpoint.active.is_(True)
        )
    )
    mailbox = await session.scalar(select(Mailbox).where(Mailbox.shop_id == shop_id))
    return Outlets([e for e in endpoints if CAMPAIGN_MESSAGE in e.event_types], mailbox)


def unreachable(channel: CampaignChannel, customer: Customer) -> bool:
    """An e-mail message to a customer without an address (never given, or erased)."""
    return channel is CampaignChannel.EMAIL and "@" not in (customer.email or "")


def customer_values(customer: Customer, shop: Shop) -> dict[str, str]:
    """The customer's template variables; a nickname falls back to the name, then 亲."""
    return {
        "客户昵称": customer.nickname or customer.name or "亲",
        "客户姓名": customer.name or customer.nickname or "亲",
        "店铺名": shop.name,
    }


def recount(holder: Campaign | JourneyStep, **deltas: int) -> None:
    """Move a campaign's or step's counts (a new dict, so the JSON column is seen as changed)."""
    counts = dict(holder.counts)
    for key, delta in deltas.items():
        counts[key] = counts.get(key, 0) + delta
    holder.counts = counts


@dataclass(frozen=True, slots=True)
class Sender:
    """What a message was sent for: its channel, how the webhook payload names it, whose
    counts it moves (a campaign, or a journey step) and the subject of its e-mail (the
    campaign's or journey's name: the shop names them for their customers to read)."""

    channel: CampaignChannel
    about: dict[str, Any]
    holder: Campaign | JourneyStep
    subject: str


def campaign_sender(campaign: Campaign) -> Sender:
    about = {"campaign": {"id": campaign.id, "name": campaign.name}}
    return Sender(campaign.channel, about, campaign, campaign.name)


def step_sender(journey: Journey, step: JourneyStep) -> Sender:
    about = {"journey": {"id": journey.id, "name": journey.name, "step": step.position}}
    return Sender(step.channel, about, step, journey.name)


async def sender_of(session: AsyncSession, message: CampaignMessage) -> Sender | None:
    """The campaign or journey step of a message; None when its step was deleted."""
    if message.campaign_id is not None:
        return campaign_sender(await session.get_one(Campaign, message.campaign_id))
    if message.journey_step_id is None:
        return None
    step = await session.get_one(JourneyStep, message.journey_step_id)
    return step_sender(await session.get_one(Journey, step.journey_id), step)


def hand_over(
    session: AsyncSession,
    message: CampaignMessage,
    sender: Sender,
    customer: Customer,
    out: Outlets,
    now: datetime,
) -> None:
    """Send one message now: a delivery per endpoint (webhook), a queued mail (e-mail;
    the callers checked the address, and that the mailbox was on when the message was
    made: switched off since, the mail waits queued until it is on), or ready for the
    widget."""
    message.sent_at = now
    if sender.channel is CampaignChannel.WEBHOOK:
        data = _payload(message, sender, customer)
        session.add_all(new_delivery(e, CAMPAIGN_MESSAGE, data) for e in out.endpoints)
        wake_jobs_on_commit(session)
    elif sender.channel is CampaignChannel.EMAIL and out.mailbox is not None and customer.email:
        queue_mail(
            session.sync_session,  # adds a row, no I/O: safe outside run_sync
            out.mailbox,
            MailKind.CAMPAIGN,
            to=customer.email,
            subject=sender.subject,
            text=message.body,
            customer_id=customer.id,
            now=now,
        )


def _payload(message: CampaignMessage, sender: Sender, customer: Customer) -> dict[str, Any]:
    return {
        "message_id": message.id,
        **sender.about,
        "variant": message.variant,
        "text": message.body,
        "customer": {
            "id": customer.id,
            "external_id": customer.external_id,
            "name": customer.name,
            "nickname": customer.nickname,
            "phone": customer.phone,
            "email": customer.email,
            "identities": [{"channel": i.channel, "handle": i.handle} for i in customer.identities],
        },
    }


async def send_due_messages(session: AsyncSession, now: datetime) -> int:
    """The worker's round: messages whose quiet hours are over are sent, unless their
    customer opted out meanwhile (those are dropped and counted as opted out), or an
    e-mail's customer lost the address (dropped, counted as unreachable). A mailbox
    switched off meanwhile does not drop them: the mail waits queued until it is on."""
    due = (
        await session.scalars(
            select(CampaignMessage)
            .where(CampaignMessage.sent_at.is_(None), CampaignMessage.send_at <= now)
            .order_by(CampaignMessage.id)
            .limit(500)
        )
    ).all()
    for message in due:
        sender = await sender_of(session, message)
        customer = await session.get_one(Customer, message.customer_id)
        if sender is None or customer.opted_out_at is not None:
            await _drop_waiting(session, sender, message)
            continue
        if unreachable(sender.channel, customer):
            await _drop_waiting(session, sender, message, reason="unreachable")
            continue
        recount(sender.holder, deferred=-1, sent=1)
        hand_over(session, message, sender, customer, await outlets(session, message.shop_id), now)
    await session.flush()
    return len(due)


async def _drop_waiting(
    session: AsyncSession,
    sender: Sender | None,
    message: CampaignMessage,
    reason: str = "opted_out",
) -> None:
    """A waiting message that may not go out: never sent, counted under ``reason``."""
    if sender is not None:
        recount(sender.holder, deferred=-1, recipients=-1, **{reason: 1})
    await session.delete(message)


async def do_set_opt_out(
    session: AsyncSession, actor: Actor, customer_id: int, opted_out: bool, now: datetime
) -> Customer:
    """The customer's wish, in force at once: no campaign or journey reaches them from now
    on, messages still waiting for the end of quiet hours are dropped, and so are their
    campaign mails not yet sent (a message already handed to the webhook queue is out of
    Kefu's hands)."""
    customer = await fetch_owned(
        session, actor, Customer, customer_id, "customer", permission=Permission.WRITE_SHOP_DATA
    )
    before = snapshot(customer)
    if opted_out and customer.opted_out_at is None:
        customer.opted_out_at = now
        waiting = await session.scalars(
            select(CampaignMessage).where(
                CampaignMessage.customer_id == customer.id, CampaignMessage.sent_at.is_(None)
            )
        )
        for message in waiting.all():
            await _drop_waiting(session, await sender_of(session, message), message)
        await session.execute(
            delete(Mail).where(
                Mail.customer_id == customer.id,
                Mail.kind == MailKind.CAMPAIGN,
                Mail.state == MailState.QUEUED,
            )
        )
    elif not opted_out:
        customer.opted_out_at = None
    await session.flush()
    if before["opted_out_at"] != snapshot(customer)["opted_out_at"]:
        action = "customer.opt_out" if opted_out else "customer.opt_in"
        record_audit(session, actor, action, "customer", customer.id)
    return customer


async def widget_messages(session: AsyncSession, visitor: Actor, now: datetime) -> list[str]:
    """Widget messages of campaigns and journeys for the signed-in customer behind a
    visitor, not shown before; reading them marks them shown (the next visit shows the
    next ones)."""
    row = await session.get(Visitor, visitor.id)
    if row is None or row.shop_id != visitor.shop_id or row.customer_id is None:
        return []
    widget_campaigns = select(Campaign.id).where(
        Campaign.shop_id == visitor.shop_id, Campaign.channel == CampaignChannel.WIDGET
    )
    widget_steps = select(JourneyStep.id).where(
        JourneyStep.shop_id == visitor.shop_id, JourneyStep.channel == CampaignChannel.WIDGET
    )
    messages = (
        await session.scalars(
            select(CampaignMessage)
            .where(
                CampaignMessage.customer_id == row.customer_id,
                or_(
                    CampaignMessage.campaign_id.in_(widget_campaigns),
                    CampaignMessage.journey_step_id.in_(widget_steps),
                ),
                CampaignMessage.sent_at.is_not(None),
                CampaignMessage.shown_at.is_(None),
            )
            .order_by(CampaignMessage.id)
        )
    ).all()
    for message in messages:
        message.shown_at = now
    await session.flush()
    return [message.body for message in messages]


@dataclass(frozen=True, slots=True)
class Converted:
    """Messages sent under one key (a variant, a step) and what they converted."""

    sent: int = 0
    converted: int = 0
    revenue_cents: int = 0


async def conversions(
    session: AsyncSession,
    shop_id: int,
    sent: Iterable[Any],  # (customer_id, key, sent_at) rows
    days: int,
) -> dict[Any, Converted]:
    """Per key of the ``(customer_id, key, sent_at)`` rows: messages sent, and how many
    of their customers placed an order (paid or further) within ``days`` after the
    message, with those orders' value."""
    sent = list(sent)
    window = timedelta(days=days)
    first = min((at for _, _, at in sent), default=None)
    orders: dict[int, list[tuple[datetime, int]]] = {}
    if first is not None:
        rows = await session.execute(
            select(Order.customer_id, Order.placed_at, Order.total_cents)
            .where(Order.shop_id == shop_id, Order.status.in_(PAID))
            .where(Order.customer_id.in_({c for c, _, _ in sent}), Order.placed_at > first)
        )
        for customer_id, placed_at, cents in rows:
            orders.setdefault(customer_id, []).append((placed_at, cents))
    tally: dict[Any, Converted] = {}
    for customer_id, key, at in sent:
        within = [c for placed, c in orders.get(customer_id, []) if at < placed <= at + window]
        was = tally.get(key, Converted())
        tally[key] = Converted(
            was.sent + 1,
            was.converted + bool(within),
            was.revenue_cents + sum(within),
        )
    return tally
