"""Campaigns to an RFM segment or a tag: drafts, the dry run, the launch, the results per
A/B variant; a customer's opt-out; the widget's campaign messages for its visitor."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from kefu.crm.campaigns import (
    VARIABLES,
    do_create_campaign,
    do_dry_run,
    do_launch,
    do_update_campaign,
    list_campaigns,
    load_campaign,
    variant_results,
)
from kefu.crm.outreach import do_set_opt_out, widget_messages
from kefu.crm.shop_rfm import BY_SLUG
from kefu.crm.stats import compare_rates
from kefu.models import CampaignChannel, CampaignStatus
from kefu.models.base import utcnow
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
)
from kefu.web.deps import ActorDep, SessionDep, VisitorDep

router = APIRouter(tags=["crm"], responses=ERROR_RESPONSES)
TEXT_HELP = f"Up to 500 characters; variables: {', '.join(f'{{{v}}}' for v in VARIABLES)}"


class VariantIn(ApiModel):
    name: str | None = Field(None, max_length=16, description="A, B … by default")
    text: str = Field(description=TEXT_HELP)


class CampaignIn(ApiModel):
    name: str = Field(max_length=100)
    segment: str | None = Field(None, description=f"One of {', '.join(BY_SLUG)}; or give tag")
    tag: str | None = Field(None, max_length=64, description="Customers with this tag")
    channel: CampaignChannel = Field(
        description="webhook (signed campaign.message), widget (next visit) or email (from "
        "the shop's mailbox, the campaign's name as subject, with a one-click unsubscribe link)"
    )
    variants: list[VariantIn] = Field(description="1 to 4; customers are split among them")
    conversion_days: int | None = Field(None, description="Default: the shop's setting (7)")


class CampaignPatch(ApiModel):
    """Only the fields sent are changed; drafts only."""

    name: str | None = Field(None, max_length=100)
    segment: str | None = None
    tag: str | None = Field(None, max_length=64)
    channel: CampaignChannel | None = None
    variants: list[VariantIn] | None = None
    conversion_days: int | None = None


class CampaignOut(ApiModel):
    id: int
    name: str
    segment: str | None
    tag: str | None
    channel: CampaignChannel
    variants: list[dict[str, Any]]
    conversion_days: int
    status: CampaignStatus
    launched_at: datetime | None
    launched_by: str | None
    counts: dict[str, Any] = Field(
        description="Set at launch: audience, recipients, sent, deferred, opted_out, "
        "unreachable (an e-mail campaign's customers without an address), capped"
    )
    created_at: datetime


class DryRunOut(ApiModel):
    audience: int = Field(description="Customers of the segment or tag")
    recipients: int = Field(description="Would receive it")
    sent: int = Field(description="Would be sent at once")
    deferred: int = Field(description="Would wait for the end of quiet hours")
    opted_out: int
    unreachable: int = Field(
        description="An e-mail campaign's customers without an address: not sent to"
    )
    capped: int = Field(description="At the monthly frequency cap already")
    send_at: datetime
    no_webhook: bool = Field(description="A webhook campaign but no endpoint takes it")
    no_mailbox: bool = Field(
        description="An e-mail campaign but the shop has no active mailbox: launching is refused"
    )


class VariantResultOut(ApiModel):
    name: str
    sent: int
    converted: int
    conversion_rate: float | None
    revenue_cents: int


class ComparisonOut(ApiModel):
    variant: str
    against: str
    difference: float = Field(description="Conversion rate of variant minus that of against")
    ci_low: float = Field(description="95 % confidence interval of the difference")
    ci_high: float
    z: float | None
    p_value: float | None = Field(description="Two-proportion z-test, two-sided")


class ResultsOut(ApiModel):
    campaign_id: int
    conversion_days: int
    variants: list[VariantResultOut]
    comparisons: list[ComparisonOut]


class OptOutIn(ApiModel):
    opted_out: bool


class OptOutOut(ApiModel):
    customer_id: int
    opted_out_at: datetime | None


class WidgetMessagesOut(ApiModel):
    messages: list[str]


def _variants(variants: list[VariantIn] | None) -> list[dict[str, Any]] | None:
    return None if variants is None else [v.model_dump() for v in variants]


@router.get("/campaigns", summary="List campaigns, newest first")
async def get_campaigns(
    session: SessionDep, actor: ActorDep, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> PageOut[CampaignOut]:
    return PageOut.of(await list_campaigns(session, actor, cursor, limit), CampaignOut)


@router.post("/campaigns", status_code=201, summary="Create a draft campaign")
async def create_campaign(body: CampaignIn, session: SessionDep, actor: ActorDep) -> CampaignOut:
    fields = body.model_dump() | {"variants": _variants(body.variants)}
    campaign = await do_create_campaign(session, actor, **fields)
    await session.commit()
    return CampaignOut.model_validate(campaign)


@router.get("/campaigns/{campaign_id}", summary="Read one campaign")
async def get_campaign(campaign_id: IdPath, session: SessionDep, actor: ActorDep) -> CampaignOut:
    return CampaignOut.model_validate(await load_campaign(session, actor, campaign_id))


@router.patch("/campaigns/{campaign_id}", summary="Change a draft campaign")
async def update_campaign(
    campaign_id: IdPath, body: CampaignPatch, session: SessionDep, actor: ActorDep
) -> CampaignOut:
    changes = body.model_dump(exclude_unset=True)
    if "variants" in changes:
        changes["variants"] = _variants(body.variants)
    campaign = await do_update_campaign(session, actor, campaign_id, **changes)
    await session.commit()
    return CampaignOut.model_validate(campaign)


@router.post(
    "/campaigns/{campaign_id}/dry-run",
    summary="Count who would receive it now, and who not (opted out, capped, quiet hours)",
)
async def dry_run(campaign_id: IdPath, session: SessionDep, actor: ActorDep) -> DryRunOut:
    return DryRunOut(**await do_dry_run(session, actor, campaign_id, utcnow()))


@router.post(
    "/campaigns/{campaign_id}/launch",
    summary="Send the campaign (once)",
    description="409 when it was launched already, when nobody would receive it, when a "
    "webhook campaign has no active endpoint, or an e-mail campaign no active mailbox.",
)
async def launch(campaign_id: IdPath, session: SessionDep, actor: ActorDep) -> CampaignOut:
    campaign = await do_launch(session, actor, campaign_id, utcnow())
    await session.commit()
    return CampaignOut.model_validate(campaign)


@router.get(
    "/campaigns/{campaign_id}/results",
    summary="Conversions per variant, with the z-test and 95 % interval against the first",
)
async def results(campaign_id: IdPath, session: SessionDep, actor: ActorDep) -> ResultsOut:
    campaign = await load_campaign(session, actor, campaign_id)
    variants = await variant_results(session, campaign)
    first = variants[0]
    comparisons = []
    for other in variants[1:]:
        compared = compare_rates(first.converted, first.sent, other.converted, other.sent)
        if compared is not None:
            comparisons.append(
                ComparisonOut(variant=other.name, against=first.name, **asdict(compared))
            )
    return ResultsOut(
        campaign_id=campaign.id,
        conversion_days=campaign.conversion_days,
        variants=[
            VariantResultOut(
                name=v.name,
                sent=v.sent,
                converted=v.converted,
                conversion_rate=v.converted / v.sent if v.sent else None,
                revenue_cents=v.revenue_cents,
            )
            for v in variants
        ],
        comparisons=comparisons,
    )


@router.put("/customers/{customer_id}/opt-out", summary="Opt a customer out of campaigns, or in")
async def set_opt_out(
    customer_id: IdPath, body: OptOutIn, session: SessionDep, actor: ActorDep
) -> OptOutOut:
    customer = await do_set_opt_out(session, actor, customer_id, body.opted_out, utcnow())
    await session.commit()
    return OptOutOut(customer_id=customer.id, opted_out_at=customer.opted_out_at)


@router.get(
    "/widget/campaign-messages",
    summary="Campaign messages for the visitor's customer, not shown before (marks them shown)",
)
async def get_widget_messages(session: SessionDep, visitor: VisitorDep) -> WidgetMessagesOut:
    messages = await widget_messages(session, visitor, utcnow())
    await session.commit()
    return WidgetMessagesOut(messages=messages)
