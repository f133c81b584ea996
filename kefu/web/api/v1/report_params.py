"""The query parameters every report route takes: the period (shop-local days) and the
filters (agent, team, channel, stage, intent, customer segment), parsed once into a
``ReportQuery``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from kefu.access import Permission
from kefu.crm.segments import SEGMENTS
from kefu.errors import Invalid
from kefu.models.agents import Skill
from kefu.models.conversations import Channel
from kefu.reports.periods import Filters, Period, shop_period
from kefu.understanding.codes import intent_codes
from kefu.web.deps import ActorDep, SessionDep

SEGMENT_SLUGS = tuple(segment.slug for segment in SEGMENTS.values())


@dataclass(frozen=True, slots=True)
class ReportQuery:
    period: Period
    filters: Filters


async def report_query(
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[
        date | None,
        Query(description="First day (shop-local), e.g. 2026-11-01; default: 30 days ago"),
    ] = None,
    end: Annotated[date | None, Query(description="Last day, included; default: today")] = None,
    agent_id: Annotated[list[int], Query(description="Only these agents (repeatable)")] = [],  # noqa: B006
    team_id: Annotated[list[int], Query(description="Only these teams (repeatable)")] = [],  # noqa: B006
    channel: Annotated[list[Channel], Query(description="Only these channels (repeatable)")] = [],  # noqa: B006
    stage: Annotated[
        list[Skill],
        Query(
            description="Only conversations of these stages: 售前 presale, 售中 insale, "
            "售后 aftersale, 投诉 complaint (repeatable)"
        ),
    ] = [],  # noqa: B006
    intent: Annotated[
        list[str],
        Query(
            description="Only conversations whose recognised intent is one of these, e.g. "
            "presale.bargain (repeatable; conversations the bot never read have none)",
        ),
    ] = [],  # noqa: B006
    segment: Annotated[
        list[str],
        Query(
            description="Only conversations of customers in these RFM segments when they "
            f"opened: {', '.join(SEGMENT_SLUGS)} (repeatable)",
        ),
    ] = [],  # noqa: B006
) -> ReportQuery:
    """Refuses callers who may not see the shop's reports before anything is read."""
    actor.require(Permission.VIEW_REPORTS)
    if not set(segment) <= set(SEGMENT_SLUGS):
        raise Invalid(f"segment must be one of: {', '.join(SEGMENT_SLUGS)}", field="segment")
    if not set(intent) <= set(intent_codes()):
        raise Invalid("intent must be an intent code such as presale.bargain", field="intent")
    period = await shop_period(session, actor.shop_id, start, end)
    filters = Filters(
        tuple(agent_id),
        tuple(team_id),
        tuple(c.value for c in channel),
        tuple(s.value for s in stage),
        tuple(intent),
        tuple(segment),
    )
    return ReportQuery(period, filters)


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]
