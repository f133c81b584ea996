"""An agent's growth (PRODUCT P8): their level assessment against the shop's promotion
criteria, weekly KPI trends, strengths and things to work on next to the team's median,
their most frequent quality findings, and their training.

Every figure comes from the reporting store (``read_totals`` + ``compute_kpis``) over
the last 90 shop-local days, the same totals the dashboards read, so a growth page and
the leaderboard can never disagree. An agent sees their own growth; people who see the
shop's reports or manage its agents see everyone's."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Forbidden
from kefu.models import Agent, Message, SenderKind, Shop, TrainingRecord
from kefu.models.reports import ReportKind
from kefu.queries.access import fetch_owned
from kefu.reports.kpis import KPI_BY_CODE, compute_kpis
from kefu.reports.levels import (
    AGENT_KPIS,
    ASSESSMENT_DAYS,
    NEXT_LEVEL,
    Check,
    Figures,
    evaluate,
    level_settings,
    months_between,
)
from kefu.reports.periods import Filters, Period, shop_zone
from kefu.reports.totals import Total, read_totals

# The KPIs drawn week by week on the growth page.
TREND_KPIS = (
    "first_response_seconds",
    "fast_response_rate",
    "csat",
    "fcr_rate",
    "qa_score",
    "conversion_rate",
)
FINDINGS_SHOWN = 5

KindTotals = dict[str, Total]


def sees_everyones_growth(actor: Actor) -> bool:
    return actor.can(Permission.VIEW_REPORTS) or actor.can(Permission.MANAGE_AGENTS)


async def growth_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    """The agent whose growth the actor asks for: another shop's answers 404 like a
    missing one; a colleague's growth is refused to an agent (403)."""
    agent = await fetch_owned(session, actor, Agent, agent_id, "agent", permission=None)
    own = actor.kind == "agent" and actor.id == agent.id
    if not own and not sees_everyones_growth(actor):
        raise Forbidden("you may see only your own growth")
    return agent


async def assessment_period(session: AsyncSession, shop_id: int) -> Period:
    """The last 90 days up to today in the shop's time zone."""
    zone = shop_zone(await session.scalar(select(Shop.timezone).where(Shop.id == shop_id)))
    return Period.ending_today(zone, ASSESSMENT_DAYS)


async def totals_by_agent(
    session: AsyncSession, shop_id: int, period: Period, agent_ids: Sequence[int] = ()
) -> dict[int, KindTotals]:
    """Each agent's totals by report kind over the period (all agents when none given)."""
    scope = period.scope(shop_id, Filters(agent_ids=tuple(agent_ids)))
    totals = await read_totals(session, scope, group_by=("agent_id", "kind"))
    by_agent: dict[int, KindTotals] = defaultdict(dict)
    for (agent_id, kind), total in totals.items():
        if agent_id:
            by_agent[agent_id][kind] = total
    return by_agent


def agent_kpis(totals: KindTotals) -> dict[str, float | None]:
    computed = compute_kpis(totals)
    return {code: computed[code].value for code in AGENT_KPIS}


def level_start(agent: Agent, period: Period) -> date:
    """The shop-local day the agent reached their level (joined, if never changed)."""
    return period.local_day(agent.level_since or agent.created_at)


async def training_minutes(
    session: AsyncSession, shop_id: int, agents: Iterable[Agent], period: Period
) -> dict[int, int]:
    """Minutes of training each agent took since reaching their current level."""
    starts = {agent.id: level_start(agent, period) for agent in agents}
    if not starts:
        return {}
    rows = await session.execute(
        select(TrainingRecord.agent_id, TrainingRecord.held_on, TrainingRecord.minutes).where(
            TrainingRecord.shop_id == shop_id, TrainingRecord.agent_id.in_(list(starts))
        )
    )
    minutes: Counter[int] = Counter()
    for agent_id, held_on, spent in rows.all():
        if held_on >= starts[agent_id]:
            minutes[agent_id] += spent
    return dict(minutes)


@dataclass(frozen=True, slots=True)
class Assessment:
    """One agent against the criteria of the next level; ``eligible`` is None at the top
    level (高级), where there is nothing to be promoted to."""

    agent_id: int
    level_since: date
    next_level: str | None
    figures: Figures
    checks: list[Check]
    eligible: bool | None


def assess(
    agent: Agent,
    totals: KindTotals,
    minutes: int,
    criteria: dict[str, dict],
    period: Period,
) -> Assessment:
    since = level_start(agent, period)
    figures = Figures(
        months=months_between(since, period.last_day),
        conversations=totals.get(ReportKind.RESOLVED.value, Total()).count,
        training_hours=round(minutes / 60, 2),
        kpis=agent_kpis(totals),
    )
    target = NEXT_LEVEL.get(agent.level)
    if target is None:
        return Assessment(agent.id, since, None, figures, [], None)
    checks = evaluate(criteria[target.value], figures)
    return Assessment(agent.id, since, target.value, figures, checks, all(c.met for c in checks))


async def assess_agents(
    session: AsyncSession, actor: Actor, agents: Sequence[Agent]
) -> dict[int, Assessment]:
    """Assessments of several agents of the actor's shop at once (two reads in all)."""
    shop = await session.get_one(Shop, actor.shop_id)
    period = await assessment_period(session, actor.shop_id)
    totals = await totals_by_agent(session, actor.shop_id, period, [a.id for a in agents])
    minutes = await training_minutes(session, actor.shop_id, agents, period)
    criteria = level_settings(shop.level_settings)
    return {
        agent.id: assess(
            agent, totals.get(agent.id, {}), minutes.get(agent.id, 0), criteria, period
        )
        for agent in agents
    }


async def assess_team(session: AsyncSession, actor: Actor) -> list[tuple[Agent, Assessment]]:
    """Every active agent of the shop with their assessment, by name: the supervisors'
    overview of who is ready for the next level."""
    if not sees_everyones_growth(actor):
        raise Forbidden("only supervisors and owners see everyone's growth")
    agents = list(
        await session.scalars(
            select(Agent)
            .where(Agent.shop_id == actor.shop_id, Agent.active.is_(True))
            .order_by(Agent.display_name, Agent.id)
        )
    )
    assessed = await assess_agents(session, actor, agents)
    return [(agent, assessed[agent.id]) for agent in agents]


def _better(code: str, value: float, median: float) -> bool:
    return value < median if KPI_BY_CODE[code].lower_is_better else value > median


def team_medians(kpis: Iterable[dict[str, float | None]]) -> dict[str, float | None]:
    """Per KPI, the median over the agents who have a figure for it."""
    values: dict[str, list[float]] = defaultdict(list)
    for figures in kpis:
        for code, value in figures.items():
            if value is not None:
                values[code].append(value)
    return {code: statistics.median(values[code]) if values[code] else None for code in AGENT_KPIS}


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # the shop-local Monday
    kpis: dict[str, float | None]


async def weekly_trends(
    session: AsyncSession, shop_id: int, agent_id: int, period: Period
) -> list[Week]:
    """The agent's trend KPIs week by week (weeks start on Monday, shop time)."""
    scope = period.scope(shop_id, Filters(agent_ids=(agent_id,)))
    totals = await read_totals(session, scope, group_by=("hour", "kind"))
    by_week: dict[date, KindTotals] = defaultdict(dict)
    for (hour, kind), total in totals.items():
        day = period.local_day(hour)
        week = by_week[day - timedelta(days=day.weekday())]
        week.setdefault(kind, Total()).add(total.count, total.total)
    first = period.first_day - timedelta(days=period.first_day.weekday())
    weeks = []
    start = first
    while start <= period.last_day:
        computed = compute_kpis(by_week.get(start, {}))
        weeks.append(Week(start, {code: computed[code].value for code in TREND_KPIS}))
        start += timedelta(days=7)
    return weeks


async def frequent_findings(
    session: AsyncSession, shop_id: int, agent_id: int, period: Period
) -> list[tuple[str, int]]:
    """The quality finding codes most often recorded on the agent's replies in the
    period, most frequent first (replies without findings are not read)."""
    rows = await session.scalars(
        select(Message.findings).where(
            Message.shop_id == shop_id,
            Message.sender_kind == SenderKind.AGENT,
            Message.sender_id == agent_id,
            Message.created_at >= period.start,
            Message.created_at < period.end,
            Message.findings.is_not(None),
            func.json_array_length(Message.findings) > 0,
        )
    )
    counts: Counter[str] = Counter()
    for findings in rows:
        counts.update(set(findings))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FINDINGS_SHOWN]


async def agent_trainings(
    session: AsyncSession, shop_id: int, agent_id: int
) -> list[TrainingRecord]:
    """The agent's training, latest first."""
    return list(
        await session.scalars(
            select(TrainingRecord)
            .where(TrainingRecord.shop_id == shop_id, TrainingRecord.agent_id == agent_id)
            .order_by(TrainingRecord.held_on.desc(), TrainingRecord.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class Growth:
    """Everything the growth page shows."""

    agent: Agent
    period: Period
    assessment: Assessment
    kpis: dict[str, float | None]
    medians: dict[str, float | None]
    strengths: list[str]  # KPI codes better than the team's median
    to_improve: list[str]  # KPI codes worse than the team's median
    findings: list[tuple[str, int]]
    weeks: list[Week]
    trainings: list[TrainingRecord]


async def agent_growth(session: AsyncSession, actor: Actor, agent_id: int) -> Growth:
    agent = await growth_agent(session, actor, agent_id)
    shop = await session.get_one(Shop, actor.shop_id)
    period = await assessment_period(session, actor.shop_id)
    everyone = await totals_by_agent(session, actor.shop_id, period)
    active = set(
        await session.scalars(
            select(Agent.id).where(Agent.shop_id == actor.shop_id, Agent.active.is_(True))
        )
    )
    medians = team_medians(agent_kpis(t) for a, t in everyone.items() if a in active)
    minutes = await training_minutes(session, actor.shop_id, [agent], period)
    criteria = level_settings(shop.level_settings)
    own = everyone.get(agent.id, {})
    assessment = assess(agent, own, minutes.get(agent.id, 0), criteria, period)
    kpis = assessment.figures.kpis
    compared = [
        (code, _better(code, kpis[code], medians[code]), _better(code, medians[code], kpis[code]))
        for code in AGENT_KPIS
        if kpis[code] is not None and medians[code] is not None
    ]
    return Growth(
        agent=agent,
        period=period,
        assessment=assessment,
        kpis=kpis,
        medians=medians,
        strengths=[code for code, better, _worse in compared if better],
        to_improve=[code for code, _better_, worse in compared if worse],
        findings=await frequent_findings(session, actor.shop_id, agent.id, period),
        weeks=await weekly_trends(session, actor.shop_id, agent.id, period),
        trainings=await agent_trainings(session, actor.shop_id, agent.id),
    )
