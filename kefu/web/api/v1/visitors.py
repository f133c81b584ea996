"""Live visitors: who is browsing the shop's site now, for agents to invite to a chat."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.queries.visitors import invitation_counts, list_live_visitors
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/visitors", tags=["visitors"], responses=ERROR_RESPONSES)


class LiveVisitorOut(ApiModel):
    visitor_id: str = Field(validation_alias="public_id", description="The visitor's public id")
    name: str | None = Field(description="The name the shopper gave in the offline form")
    current_page: str | None
    page_title: str | None
    product_id: str | None = Field(validation_alias="product_external_id")
    cart_value_cents: int | None
    page_since: datetime | None
    last_seen_at: datetime
    seconds_on_page: int | None
    returning: bool = Field(description="First seen on an earlier day (shop's time zone)")
    customer_id: int | None


class LiveVisitorsOut(ApiModel):
    items: list[LiveVisitorOut]


@router.get("/live", summary="Visitors seen in the last minutes, most recently active first")
async def live(
    session: SessionDep,
    actor: ActorDep,
    minutes: Annotated[int, Query(ge=1, le=1440)] = 5,
) -> LiveVisitorsOut:
    visitors = await list_live_visitors(session, actor, minutes)
    return LiveVisitorsOut(items=[LiveVisitorOut.model_validate(v) for v in visitors])


class InvitationStatsOut(ApiModel):
    rule_id: str
    message: str | None = Field(description="The rule's invitation; null: rule since removed")
    shown: int = Field(description="Invitations shown (once per visitor, rule and page view)")
    accepted: int = Field(description="Of those, the shopper opened the chat from it")
    converted: int = Field(
        description="Of those, the shopper sent a message within 30 minutes of accepting"
    )
    accept_rate: float | None = Field(description="accepted / shown; null when none shown")
    conversion_rate: float | None = Field(description="converted / shown; null when none shown")


class InvitationStatsListOut(ApiModel):
    items: list[InvitationStatsOut]


@router.get(
    "/invitations/stats",
    summary="Invitations shown, accepted and converted, per rule, over a date range",
)
async def invitation_stats(
    session: SessionDep,
    actor: ActorDep,
    date_from: Annotated[
        date | None, Query(description="First day, inclusive, in the shop's time zone")
    ] = None,
    date_to: Annotated[
        date | None, Query(description="Day after the last, exclusive, in the shop's time zone")
    ] = None,
) -> InvitationStatsListOut:
    counts = await invitation_counts(session, actor, date_from, date_to)
    return InvitationStatsListOut(items=[InvitationStatsOut.model_validate(c) for c in counts])
