"""The query parameters every report route takes: the period (shop-local days) and the
filters, parsed once into a ``ReportQuery``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from kefu.access import Permission
from kefu.models.conversations import Channel
from kefu.reports.periods import Filters, Period, shop_period
from kefu.web.deps import ActorDep, SessionDep


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
) -> ReportQuery:
    """Refuses callers who may not see the shop's reports before anything is read."""
    actor.require(Permission.VIEW_REPORTS)
    period = await shop_period(session, actor.shop_id, start, end)
    filters = Filters(tuple(agent_id), tuple(team_id), tuple(c.value for c in channel))
    return ReportQuery(period, filters)


ReportQueryDep = Annotated[ReportQuery, Depends(report_query)]
