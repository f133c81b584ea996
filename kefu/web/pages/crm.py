"""Customer segments and campaigns (/crm), for supervisors and owners: the shop's RFM
segments with their recommended strategies, sizes over time and flows between them; the
campaigns, a new one, its dry run, launch and conversions per variant; the lifecycle
journeys with each step's results, and NPS per month (/crm/journeys)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.crm.campaigns import (
    VARIABLES,
    do_create_campaign,
    do_dry_run,
    do_launch,
    list_campaigns,
    load_campaign,
    variant_results,
)
from kefu.crm.journeys import do_update_journey, list_journeys, step_results
from kefu.crm.nps import nps_by_month
from kefu.crm.shop_rfm import (
    BY_SLUG,
    do_refresh_rfm,
    segment_flows,
    segment_history,
    segment_sizes,
)
from kefu.crm.stats import compare_rates
from kefu.models import CampaignChannel, CampaignStatus
from kefu.models.base import utcnow
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text, whole_number

router = APIRouter(include_in_schema=False)
HOME = "/crm"
HISTORY_COLUMNS = 8  # the latest snapshot days shown side by side
FLOWS_SHOWN = 12
SEGMENT_NAMES = {
    "core": N_("Core customers"),
    "potential": N_("Potential customers"),
    "sleeping": N_("Sleeping customers"),
    "at_risk": N_("Customers to win back"),
    "loyal": N_("Loyal customers"),
    "new": N_("New customers"),
    "fading": N_("Customers to wake"),
    "lost": N_("Lost customers"),
    "none": N_("No paid orders"),
}
CHANNEL_NAMES = {
    CampaignChannel.WEBHOOK.value: N_("Webhook (SMS or marketplace IM adapter)"),
    CampaignChannel.WIDGET.value: N_("Chat widget, on the next visit"),
    CampaignChannel.EMAIL.value: N_("E-mail from the shop's mailbox"),
}
MSG_REFRESHED = N_("Segments computed again from the paid orders.")
MSG_LAUNCHED = N_("Campaign launched.")
MSG_JOURNEY_ON = N_("Journey switched on: it follows the triggers from now on.")
MSG_JOURNEY_OFF = N_("Journey switched off.")
TRIGGER_NAMES = {
    "delivered": N_("Days after delivery"),
    "birthday": N_("On the customer's birthday"),
    "lapsed": N_("Days without a purchase"),
}
NPS_MONTHS = 6


def _strategy(page: Page, slug: str) -> str:
    segment = BY_SLUG[slug]
    return segment.strategy_zh if page.locale == "zh_CN" else segment.strategy


async def _home(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page.actor.require(Permission.RUN_CAMPAIGNS)
    sizes = await segment_sizes(session, page.actor)
    total = sum(sizes.sizes.values())
    history = (await segment_history(session, page.actor, None, None))[-HISTORY_COLUMNS:]
    flows = await segment_flows(session, page.actor, None, None)
    campaigns = await list_campaigns(session, page.actor, None, 50)
    context = {
        "sizes": sizes,
        "total": total,
        "segments": [
            {
                "slug": slug,
                "textbook": segment.textbook,
                "size": sizes.sizes[slug],
                "share": sizes.sizes[slug] / total if total else 0,
                "strategy": _strategy(page, slug),
            }
            for slug, segment in BY_SLUG.items()
        ],
        "history": history,
        "flows": [f for f in flows.counts if f[0] != f[1]][:FLOWS_SHOWN],
        "flow_days": (flows.from_day, flows.to_day),
        "campaigns": campaigns.items,
        "segment_names": SEGMENT_NAMES,
        "channel_names": CHANNEL_NAMES,
        "variables": " ".join(f"{{{name}}}" for name in VARIABLES),
        "segment_options": [("", "—"), *((slug, SEGMENT_NAMES[slug]) for slug in BY_SLUG)],
        "values": values or {"segment": request.query_params.get("segment", "sleeping")},
        "errors": errors or {},
    }
    return render(request, "crm/segments.html", context, status_code=status)


@router.get(HOME)
async def crm_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _home(request, session, page)


@router.post(HOME + "/refresh")
async def crm_refresh(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.RUN_CAMPAIGNS)
    await do_refresh_rfm(session, page.actor, utcnow())
    await session.commit()
    return redirect(HOME, flash=MSG_REFRESHED, request=request)


def _campaign_form(form: Any) -> dict[str, Any]:
    return {
        "name": text(form, "name"),
        "segment": text(form, "segment"),
        "tag": text(form, "tag"),
        "channel": text(form, "channel"),
        "variant_a": text(form, "variant_a"),
        "variant_b": text(form, "variant_b"),
        "conversion_days": text(form, "conversion_days"),
    }


@router.post(HOME + "/campaigns")
async def campaign_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _campaign_form(await request.form())
    variants = [{"name": "A", "text": values["variant_a"]}]
    if values["variant_b"]:
        variants.append({"name": "B", "text": values["variant_b"]})
    try:
        days = values["conversion_days"]
        campaign = await do_create_campaign(
            session,
            page.actor,
            name=values["name"],
            segment=values["segment"] or None,
            tag=values["tag"] or None,
            channel=values["channel"],
            variants=variants,
            conversion_days=whole_number(days, "conversion_days") if days else None,
        )
    except FormError as exc:
        renamed = {"variants.0.text": "variant_a", "variants.1.text": "variant_b"}
        errors = errors_of(exc, "name", renamed=renamed)
        return await _home(request, session, page, values=values, errors=errors, status=422)
    await session.commit()
    return redirect(f"{HOME}/campaigns/{campaign.id}")


@router.get(HOME + "/campaigns/{campaign_id}")
async def campaign_page(
    request: Request, session: SessionDep, page: PageDep, campaign_id: IdPath
) -> Response:
    page.actor.require(Permission.RUN_CAMPAIGNS)
    campaign = await load_campaign(session, page.actor, campaign_id)
    draft = campaign.status is CampaignStatus.DRAFT
    dry = await do_dry_run(session, page.actor, campaign_id, utcnow()) if draft else None
    results = [] if draft else await variant_results(session, campaign)
    comparisons = [
        (other, compare_rates(results[0].converted, results[0].sent, other.converted, other.sent))
        for other in results[1:]
    ]
    context = {
        "campaign": campaign,
        "dry": dry,
        "results": results,
        "comparisons": [(other, c) for other, c in comparisons if c is not None],
        "segment_names": SEGMENT_NAMES,
        "channel_names": CHANNEL_NAMES,
    }
    return render(request, "crm/campaign.html", context)


@router.post(HOME + "/campaigns/{campaign_id}/launch")
async def campaign_launch(
    request: Request, session: SessionDep, page: PageDep, campaign_id: IdPath
) -> Response:
    await do_launch(session, page.actor, campaign_id, utcnow())
    await session.commit()
    return redirect(f"{HOME}/campaigns/{campaign_id}", flash=MSG_LAUNCHED, request=request)


@router.get(HOME + "/journeys")
async def journeys_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.RUN_CAMPAIGNS)
    journeys = (await list_journeys(session, page.actor, None, 50)).items
    context = {
        "journeys": journeys,
        "results": await step_results(session, page.actor, journeys),
        "nps": await nps_by_month(session, page.actor, utcnow(), NPS_MONTHS),
        "trigger_names": TRIGGER_NAMES,
        "channel_names": CHANNEL_NAMES,
    }
    return render(request, "crm/journeys.html", context)


@router.post(HOME + "/journeys/{journey_id}/active")
async def journey_switch(
    request: Request, session: SessionDep, page: PageDep, journey_id: IdPath
) -> Response:
    active = text(await request.form(), "active") == "on"
    await do_update_journey(session, page.actor, journey_id, utcnow(), active=active)
    await session.commit()
    flash = MSG_JOURNEY_ON if active else MSG_JOURNEY_OFF
    return redirect(f"{HOME}/journeys", flash=flash, request=request)
