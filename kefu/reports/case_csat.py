"""Case CSAT (docs/cases.md#case-ratings): how satisfied shoppers were with their finished
after-sales cases, per agent: the number of ratings, their average and the share of 4–5
stars. Read straight from ``case_ratings`` (one row per rated case), credited to the
agent who held the case when it was rated; ratings of unassigned cases count for the
shop (``agent_id`` None), never for an agent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import CaseRating
from kefu.reports.periods import Period


@dataclass(frozen=True, slots=True)
class CaseCsat:
    agent_id: int | None
    ratings: int
    average: float  # stars, 1–5
    good_share: float  # ratings of 4–5 stars over all, 0–1


async def case_csat_by_agent(
    session: AsyncSession, shop_id: int, period: Period
) -> dict[int | None, CaseCsat]:
    """Each agent's case CSAT over the period's ratings (agents without any: absent)."""
    good = func.sum(case((CaseRating.rating >= 4, 1), else_=0))
    rows = await session.execute(
        select(CaseRating.agent_id, func.count(), func.avg(CaseRating.rating), good)
        .where(
            CaseRating.shop_id == shop_id,
            CaseRating.rated_at >= period.start,
            CaseRating.rated_at < period.end,
        )
        .group_by(CaseRating.agent_id)
    )
    return {
        agent_id: CaseCsat(agent_id, count, round(float(average), 2), round(good_n / count, 4))
        for agent_id, count, average, good_n in rows.all()
    }


async def read_case_csat(
    session: AsyncSession, actor: Actor, period: Period
) -> dict[int | None, CaseCsat]:
    """The shop's case CSAT per agent, for people who see the shop's reports."""
    actor.require(Permission.VIEW_REPORTS)
    return await case_csat_by_agent(session, actor.shop_id, period)
