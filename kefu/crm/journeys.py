"""Lifecycle journeys (PRODUCT P7 "lifecycle touchpoints"; docs/crm.md): the shop sets
touchpoints on order and customer events — a usage tip 3 days after delivery, a review
request after 7, a birthday greeting, a recall when a customer has bought nothing for N
days. Each step has a delay, a channel (widget, webhook or e-mail, as campaigns) and a
template
with variables. The worker sends due steps (kefu.crm.journey_runs) under the same cap,
quiet hours and opt-out as campaigns (kefu.crm.outreach)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import check_known, choice
from kefu.crm.outreach import Converted, conversions
from kefu.crm.settings import crm_settings, whole_in_range
from kefu.errors import Invalid
from kefu.lib.phrases import placeholders
from kefu.models import CampaignChannel, CampaignMessage, Journey, JourneyStep, JourneyTrigger
from kefu.queries.access import fetch_owned
from kefu.queries.pagination import Page, paginate
from kefu.queries.shops import get_shop

VARIABLES = ("客户昵称", "客户姓名", "店铺名", "商品名", "订单号")
ORDER_VARIABLES = ("商品名", "订单号")  # a birthday has no order to name
MAX_STEPS = 5
MAX_DELAY_DAYS = 365
MAX_TEXT = 500
LAPSE_DAYS = (7, 730)
EDITABLE = ("name", "active", "steps", "lapse_days")


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(name) <= 100:
        raise Invalid("a journey name must have 1 to 100 characters", field="name")
    return name


def _template(value: Any, trigger: JourneyTrigger, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= MAX_TEXT:
        raise Invalid(f"a step's message must have 1 to {MAX_TEXT} characters", field=field)
    used = placeholders(text)
    unknown = [name for name in used if name not in VARIABLES]
    if unknown:
        known = ", ".join(f"{{{v}}}" for v in VARIABLES)
        raise Invalid(f"unknown variable {{{unknown[0]}}}; use {known}", field=field)
    if trigger is JourneyTrigger.BIRTHDAY and set(used) & set(ORDER_VARIABLES):
        raise Invalid(
            "a birthday journey has no order: {商品名} and {订单号} are empty", field=field
        )
    return text


def _steps(value: Any, trigger: JourneyTrigger) -> list[dict[str, Any]]:
    """1 to 5 steps ``{"delay_days", "channel", "template"}``, in the order given."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_STEPS:
        raise Invalid(f"give 1 to {MAX_STEPS} steps", field="steps")
    cleaned = []
    for i, step in enumerate(value):
        if not isinstance(step, dict):
            raise Invalid("each step has a delay, a channel and a message", field=f"steps.{i}")
        cleaned.append(
            {
                "delay_days": whole_in_range(
                    f"steps.{i}.delay_days", step.get("delay_days"), 0, MAX_DELAY_DAYS
                ),
                "channel": choice(CampaignChannel, step.get("channel"), f"steps.{i}.channel"),
                "template": _template(step.get("template"), trigger, f"steps.{i}.template"),
            }
        )
    return cleaned


def _lapse_days(value: Any, trigger: JourneyTrigger) -> int | None:
    """Days without a paid order that start a recall journey; only that trigger has them."""
    if trigger is not JourneyTrigger.LAPSED:
        if value is not None:
            raise Invalid("only a lapsed-customer journey has lapse_days", field="lapse_days")
        return None
    return whole_in_range("lapse_days", value, *LAPSE_DAYS)


def _set_steps(journey: Journey, steps: list[dict[str, Any]]) -> None:
    """Steps kept by position (their messages and counts stay theirs), new ones added,
    the ones beyond the new list removed (their sent messages stay in the history)."""
    for position, fields in enumerate(steps, 1):
        if position <= len(journey.steps):
            step = journey.steps[position - 1]
            step.delay_days, step.channel = fields["delay_days"], fields["channel"]
            step.template = fields["template"]
        else:
            journey.steps.append(
                JourneyStep(shop_id=journey.shop_id, position=position, counts={}, **fields)
            )
    del journey.steps[len(steps) :]


async def do_create_journey(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    *,
    name: Any,
    trigger: Any,
    steps: Any,
    lapse_days: Any = None,
    active: Any = True,
) -> Journey:
    """A journey; it handles the triggers from ``now`` on (not the shop's history)."""
    actor.require(Permission.RUN_CAMPAIGNS)
    kind = choice(JourneyTrigger, trigger, "trigger")
    journey = Journey(
        shop_id=actor.shop_id,
        name=_name(name),
        trigger=kind,
        lapse_days=_lapse_days(lapse_days, kind),
        active=bool(active),
        started_at=now,
        scanned_until=now,
        steps=[],
    )
    _set_steps(journey, _steps(steps, kind))
    session.add(journey)
    await session.flush()
    record_audit(session, actor, "journey.create", "journey", journey.id, after=_audited(journey))
    return journey


def _audited(journey: Journey) -> dict[str, Any]:
    return snapshot(journey) | {"steps": [snapshot(step) for step in journey.steps]}


async def load_journey(
    session: AsyncSession,
    actor: Actor,
    journey_id: int,
    permission: Permission = Permission.READ_SHOP_DATA,
) -> Journey:
    return await fetch_owned(session, actor, Journey, journey_id, "journey", permission=permission)


async def list_journeys(
    session: AsyncSession, actor: Actor, cursor: str | None, limit: int
) -> Page[Journey]:
    """The shop's journeys, newest first."""
    actor.require(Permission.READ_SHOP_DATA)
    query = select(Journey).where(Journey.shop_id == actor.shop_id)
    return await paginate(session, query, Journey.id, cursor=cursor, limit=limit, newest_first=True)


async def do_update_journey(
    session: AsyncSession, actor: Actor, journey_id: int, now: datetime, **changes: Any
) -> Journey:
    """Change a journey. Switched on again, it starts from ``now``: the triggers of while
    it was off are not followed up late."""
    journey = await load_journey(session, actor, journey_id, Permission.RUN_CAMPAIGNS)
    check_known(changes, EDITABLE)
    before = _audited(journey)
    if "name" in changes:
        journey.name = _name(changes["name"])
    if "lapse_days" in changes:
        journey.lapse_days = _lapse_days(changes["lapse_days"], journey.trigger)
    if "steps" in changes:
        _set_steps(journey, _steps(changes["steps"], journey.trigger))
    if "active" in changes:
        active = bool(changes["active"])
        if active and not journey.active:
            journey.started_at = journey.scanned_until = now
        journey.active = active
    await session.flush()
    after = _audited(journey)
    if after != before:
        record_audit(
            session, actor, "journey.update", "journey", journey.id, before=before, after=after
        )
    return journey


async def do_delete_journey(session: AsyncSession, actor: Actor, journey_id: int) -> None:
    """Remove a journey; the messages it sent stay in the customers' history and cap."""
    journey = await load_journey(session, actor, journey_id, Permission.RUN_CAMPAIGNS)
    before = _audited(journey)
    await session.delete(journey)
    await session.flush()
    record_audit(session, actor, "journey.delete", "journey", journey_id, before=before)


@dataclass(frozen=True, slots=True)
class StepResult:
    """A step's counts and its conversions (an order within the shop's conversion days)."""

    step: JourneyStep
    sent: int
    converted: int
    revenue_cents: int
    waiting: int  # deferred by quiet hours
    capped: int
    opted_out: int
    no_webhook: int
    unreachable: int  # an e-mail step's customer without an address
    no_mailbox: int  # an e-mail step while the shop had no active mailbox


async def step_results(
    session: AsyncSession, actor: Actor, journeys: list[Journey]
) -> dict[int, list[StepResult]]:
    """Per journey id, each step's results."""
    shop = await get_shop(session, actor)
    days = crm_settings(shop.crm_settings)["conversion_days"]
    steps = {step.id: step for journey in journeys for step in journey.steps}
    sent = await session.execute(
        select(
            CampaignMessage.customer_id, CampaignMessage.journey_step_id, CampaignMessage.sent_at
        )
        .where(CampaignMessage.shop_id == shop.id)
        .where(CampaignMessage.journey_step_id.in_(steps), CampaignMessage.sent_at.is_not(None))
    )
    tally = await conversions(session, shop.id, sent.all(), days)
    results: dict[int, list[StepResult]] = {journey.id: [] for journey in journeys}
    for step in steps.values():
        done = tally.get(step.id, Converted())
        counts = step.counts
        results[step.journey_id].append(
            StepResult(
                step,
                done.sent,
                done.converted,
                done.revenue_cents,
                counts.get("deferred", 0),
                counts.get("capped", 0),
                counts.get("opted_out", 0),
                counts.get("no_webhook", 0),
                counts.get("unreachable", 0),
                counts.get("no_mailbox", 0),
            )
        )
    return results
