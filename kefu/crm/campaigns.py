"""Campaigns: a message to the customers of an RFM segment or of a tag, in A/B variants,
sent through a signed webhook (the shop's SMS or marketplace-IM adapter), shown in the
chat widget on the customer's next visit, or mailed from the shop's mailbox (its subject
is the campaign's name; customers without an e-mail address are counted unreachable).

What keeps outreach polite (docs/crm.md): a frequency cap across all campaigns (default 3
messages per customer per calendar month of the shop), quiet hours (default 22:00–08:00
shop time: messages wait until they end), an opt-out that takes effect at once, and
de-duplication (one message per customer and campaign, by a unique key); the cap, the
quiet hours, the opt-out and the delivery are shared with journeys (kefu.crm.outreach).
A dry run counts all of it before anything is sent. A variant is chosen per customer from
a hash of the campaign and the customer, so it is random across customers yet never
changes for one."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import lock_row, record_audit, snapshot
from kefu.actions.checks import check_known, choice
from kefu.crm.outreach import (
    Converted,
    campaign_sender,
    conversions,
    customer_values,
    hand_over,
    messages_this_month,
    outlets,
    quiet_until,
    unreachable,
)
from kefu.crm.settings import MAX_CONVERSION_DAYS, crm_settings, whole_in_range
from kefu.crm.shop_rfm import segment_slug
from kefu.crm.snapshots import latest_day
from kefu.crm.stats import sticky_index
from kefu.errors import Conflict, Invalid
from kefu.lib.phrases import fill, placeholders
from kefu.models import (
    Campaign,
    CampaignChannel,
    CampaignMessage,
    CampaignStatus,
    Customer,
    RfmSnapshot,
    Shop,
)
from kefu.queries.access import fetch_owned
from kefu.queries.customers import has_tag
from kefu.queries.pagination import Page, paginate
from kefu.queries.shops import get_shop

VARIABLES = ("客户昵称", "客户姓名", "店铺名")
MAX_VARIANTS = 4
MAX_TEXT = 500
EDITABLE = ("name", "segment", "tag", "channel", "variants", "conversion_days")


# ---- checking what a campaign says ------------------------------------------------------


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(name) <= 100:
        raise Invalid("a campaign name must have 1 to 100 characters", field="name")
    return name


def _text(value: Any, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= MAX_TEXT:
        raise Invalid(f"a campaign message must have 1 to {MAX_TEXT} characters", field=field)
    unknown = [name for name in placeholders(text) if name not in VARIABLES]
    if unknown:
        raise Invalid(
            f"unknown variable {{{unknown[0]}}}; use {', '.join(f'{{{v}}}' for v in VARIABLES)}",
            field=field,
        )
    return text


def _variants(value: Any) -> list[dict[str, str]]:
    """1 to 4 variants, each ``{"name", "text"}`` with a distinct short name."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_VARIANTS:
        raise Invalid(f"give 1 to {MAX_VARIANTS} variants of the message", field="variants")
    cleaned = []
    for i, variant in enumerate(value):
        if not isinstance(variant, dict):
            raise Invalid("each variant has a name and a text", field=f"variants.{i}")
        name = str(variant.get("name") or chr(ord("A") + i)).strip()[:16]
        cleaned.append({"name": name, "text": _text(variant.get("text"), f"variants.{i}.text")})
    if len({v["name"] for v in cleaned}) != len(cleaned):
        raise Invalid("two variants have the same name", field="variants")
    return cleaned


def _audience(segment: Any, tag: Any) -> tuple[str | None, str | None]:
    """Exactly one of an RFM segment and a customer tag."""
    tag = tag.strip() if isinstance(tag, str) else None
    if (segment is None) == (not tag):
        raise Invalid("send a campaign to one segment or to one tag", field="segment")
    if tag and len(tag) > 64:
        raise Invalid("a tag has at most 64 characters", field="tag")
    return (segment_slug(segment) if segment is not None else None), (tag or None)


def _days(value: Any) -> int:
    return whole_in_range("conversion_days", value, 1, MAX_CONVERSION_DAYS)


async def do_create_campaign(
    session: AsyncSession,
    actor: Actor,
    *,
    name: Any,
    channel: Any,
    variants: Any,
    segment: Any = None,
    tag: Any = None,
    conversion_days: Any = None,
) -> Campaign:
    """A draft campaign; nothing is sent until it is launched."""
    actor.require(Permission.RUN_CAMPAIGNS)
    shop = await get_shop(session, actor)
    segment, tag = _audience(segment, tag)
    campaign = Campaign(
        shop_id=actor.shop_id,
        name=_name(name),
        segment=segment,
        tag=tag,
        channel=choice(CampaignChannel, channel, "channel"),
        variants=_variants(variants),
        conversion_days=_days(
            crm_settings(shop.crm_settings)["conversion_days"]
            if conversion_days is None
            else conversion_days
        ),
        counts={},
    )
    session.add(campaign)
    await session.flush()
    record_audit(
        session, actor, "campaign.create", "campaign", campaign.id, after=snapshot(campaign)
    )
    return campaign


async def load_campaign(
    session: AsyncSession,
    actor: Actor,
    campaign_id: int,
    permission: Permission = Permission.READ_SHOP_DATA,
) -> Campaign:
    return await fetch_owned(
        session, actor, Campaign, campaign_id, "campaign", permission=permission
    )


async def list_campaigns(
    session: AsyncSession, actor: Actor, cursor: str | None, limit: int
) -> Page[Campaign]:
    """The shop's campaigns, newest first."""
    actor.require(Permission.READ_SHOP_DATA)
    query = select(Campaign).where(Campaign.shop_id == actor.shop_id)
    return await paginate(
        session, query, Campaign.id, cursor=cursor, limit=limit, newest_first=True
    )


def _draft(campaign: Campaign) -> None:
    if campaign.status is not CampaignStatus.DRAFT:
        raise Conflict("this campaign was already launched; copy it into a new one")


async def do_update_campaign(
    session: AsyncSession, actor: Actor, campaign_id: int, **changes: Any
) -> Campaign:
    """Change a draft (a launched campaign stays as it was sent)."""
    campaign = await load_campaign(session, actor, campaign_id, Permission.RUN_CAMPAIGNS)
    check_known(changes, EDITABLE)
    _draft(campaign)
    before = snapshot(campaign)
    if "segment" in changes or "tag" in changes:
        campaign.segment, campaign.tag = _audience(
            changes.get("segment", campaign.segment), changes.get("tag", campaign.tag)
        )
    if "name" in changes:
        campaign.name = _name(changes["name"])
    if "channel" in changes:
        campaign.channel = choice(CampaignChannel, changes["channel"], "channel")
    if "variants" in changes:
        campaign.variants = _variants(changes["variants"])
    if "conversion_days" in changes:
        campaign.conversion_days = _days(changes["conversion_days"])
    await session.flush()
    record_audit(
        session,
        actor,
        "campaign.update",
        "campaign",
        campaign.id,
        before=before,
        after=snapshot(campaign),
    )
    return campaign


# ---- who gets it: audience, opt-outs, the cap, quiet hours ------------------------------


def variant_of(campaign_id: int, customer_id: int, count: int) -> int:
    """The variant index of a customer: uniform over customers, fixed for each one."""
    return sticky_index(f"kefu-campaign:{campaign_id}:{customer_id}", count)


@dataclass(slots=True)
class Plan:
    """What a launch at ``send_at`` would do."""

    audience: int  # customers of the segment or tag
    recipients: list[Customer]  # who gets a message
    opted_out: int
    unreachable: int  # an e-mail campaign's customers without an address
    capped: int  # already at the monthly cap
    send_at: datetime
    deferred: bool  # inside quiet hours: the messages wait until send_at
    no_webhook: bool  # a webhook campaign, but no active endpoint takes campaign.message
    no_mailbox: bool  # an e-mail campaign, but the shop has no active mailbox

    def counts(self) -> dict[str, Any]:
        recipients = len(self.recipients)
        return {
            "audience": self.audience,
            "recipients": recipients,
            "sent": 0 if self.deferred else recipients,
            "deferred": recipients if self.deferred else 0,
            "opted_out": self.opted_out,
            "unreachable": self.unreachable,
            "capped": self.capped,
            "send_at": self.send_at.isoformat(),
        }


async def _audience_of(session: AsyncSession, campaign: Campaign) -> list[Customer]:
    query = select(Customer).where(Customer.shop_id == campaign.shop_id)
    if campaign.segment is not None:
        day = await latest_day(session, campaign.shop_id)
        in_segment = select(RfmSnapshot.customer_id).where(
            RfmSnapshot.shop_id == campaign.shop_id,
            RfmSnapshot.day == day,
            RfmSnapshot.segment == campaign.segment,
        )
        query = query.where(Customer.id.in_(in_segment))
    else:
        query = query.where(has_tag(campaign.tag or ""))
    return list((await session.scalars(query.order_by(Customer.id))).all())


async def plan_campaign(
    session: AsyncSession, shop: Shop, campaign: Campaign, now: datetime
) -> Plan:
    """Who would get the campaign if it were launched at ``now``, and who not and why."""
    settings = crm_settings(shop.crm_settings)
    audience = await _audience_of(session, campaign)
    willing = [c for c in audience if c.opted_out_at is None]
    reachable = [c for c in willing if not unreachable(campaign.channel, c)]
    deferred_to = quiet_until(settings, shop, now)
    send_at = deferred_to or now
    had = await messages_this_month(session, shop, [c.id for c in reachable], send_at)
    recipients = [c for c in reachable if had[c.id] < settings["frequency_cap"]]
    out = await outlets(session, shop.id)
    return Plan(
        audience=len(audience),
        recipients=recipients,
        opted_out=len(audience) - len(willing),
        unreachable=len(willing) - len(reachable),
        capped=len(reachable) - len(recipients),
        send_at=send_at,
        deferred=deferred_to is not None,
        no_webhook=campaign.channel is CampaignChannel.WEBHOOK and out.missing(campaign.channel),
        no_mailbox=campaign.channel is CampaignChannel.EMAIL and out.missing(campaign.channel),
    )


async def do_dry_run(
    session: AsyncSession, actor: Actor, campaign_id: int, now: datetime
) -> dict[str, Any]:
    """The counts a launch now would give, sending nothing."""
    campaign = await load_campaign(session, actor, campaign_id, Permission.RUN_CAMPAIGNS)
    plan = await plan_campaign(session, await get_shop(session, actor), campaign, now)
    return plan.counts() | {"no_webhook": plan.no_webhook, "no_mailbox": plan.no_mailbox}


# ---- sending ----------------------------------------------------------------------------


def message_text(template: str, customer: Customer, shop: Shop) -> str:
    """The variant's text for one customer."""
    return fill(template, customer_values(customer, shop))


async def do_launch(
    session: AsyncSession, actor: Actor, campaign_id: int, now: datetime
) -> Campaign:
    """Send the campaign once: a message row per recipient (the de-duplication key), sent
    now or at the end of quiet hours; the counts and an audit entry record the launch."""
    campaign = await load_campaign(session, actor, campaign_id, Permission.RUN_CAMPAIGNS)
    await lock_row(session, Campaign, campaign.id)  # two launches at once: one wins
    await session.refresh(campaign)
    _draft(campaign)
    shop = await get_shop(session, actor)
    plan = await plan_campaign(session, shop, campaign, now)
    if plan.no_webhook:
        raise Conflict(
            "no active webhook takes campaign.message; add one in the webhook settings first"
        )
    if plan.no_mailbox:
        raise Conflict(
            "the shop has no active mailbox to send this e-mail campaign; "
            "set one up (or switch it on) in the e-mail settings first"
        )
    if not plan.recipients:
        raise Conflict("nobody would receive this campaign now; see the dry run's counts")
    out = await outlets(session, shop.id)
    messages = []
    for customer in plan.recipients:
        variant = campaign.variants[variant_of(campaign.id, customer.id, len(campaign.variants))]
        message = CampaignMessage(
            shop_id=shop.id,
            campaign_id=campaign.id,
            customer_id=customer.id,
            variant=variant["name"],
            body=message_text(variant["text"], customer, shop),
            send_at=plan.send_at,
        )
        messages.append((message, customer))
    session.add_all(message for message, _ in messages)
    await session.flush()
    if not plan.deferred:
        sender = campaign_sender(campaign)
        for message, customer in messages:
            hand_over(session, message, sender, customer, out, now)
    campaign.status = CampaignStatus.LAUNCHED
    campaign.launched_at = now
    campaign.launched_by = actor.label
    campaign.counts = plan.counts()
    await session.flush()
    record_audit(session, actor, "campaign.launch", "campaign", campaign.id, after=campaign.counts)
    return campaign


# ---- results: conversion per variant ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantResult:
    name: str
    sent: int
    converted: int
    revenue_cents: int


async def variant_results(session: AsyncSession, campaign: Campaign) -> list[VariantResult]:
    """Per variant: messages sent and how many of their customers placed an order (paid
    or further) within ``conversion_days`` after the message, with that order's value."""
    sent = await session.execute(
        select(CampaignMessage.customer_id, CampaignMessage.variant, CampaignMessage.sent_at)
        .where(CampaignMessage.campaign_id == campaign.id)
        .where(CampaignMessage.sent_at.is_not(None))
    )
    tally = await conversions(session, campaign.shop_id, sent.all(), campaign.conversion_days)
    names = dict.fromkeys([v["name"] for v in campaign.variants] + list(tally))
    return [VariantResult(name, *astuple(tally.get(name, Converted()))) for name in names]
