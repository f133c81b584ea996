"""The overview and the agent leaderboard: every KPI of a period next to the period
before it, and every agent's KPIs. Pages, exports and the JSON API are all built on
these two reads, so they show the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.models.agents import Agent
from kefu.reports.costs import shop_costs
from kefu.reports.kpis import KPI_BY_CODE, KPIS, Costs, KpiValue, by_kind, compute_kpis
from kefu.reports.periods import Filters, Period
from kefu.reports.totals import Total, read_totals
from kefu.reports.views import wanted_agents


@dataclass(frozen=True, slots=True)
class KpiFigure:
    """One KPI of the period and of the period before. ``change`` is relative:
    (value − previous) / previous, None when either is missing or the previous is 0."""

    code: str
    unit: str
    value: float | None
    numerator: float
    denominator: float
    previous_value: float | None
    change: float | None


@dataclass(frozen=True, slots=True)
class Overview:
    period: Period
    previous: Period
    kpis: list[KpiFigure]


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent_id: int
    name: str
    level: str
    kpis: dict[str, KpiValue]


def change_of(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous)


def period_json(period: Period) -> dict[str, str]:
    """A period as the API shows it: its first and last shop-local day."""
    return {"start": period.first_day.isoformat(), "end": period.last_day.isoformat()}


async def _kpis(
    session: AsyncSession, shop_id: int, period: Period, filters: Filters, costs: Costs
) -> dict[str, KpiValue]:
    totals = await read_totals(session, period.scope(shop_id, filters), group_by=("kind",))
    return compute_kpis(by_kind(totals), costs)


async def read_overview(
    session: AsyncSession, actor: Actor, period: Period, filters: Filters = Filters()
) -> Overview:
    """Every KPI of the actor's shop over ``period`` and over the period before it."""
    actor.require(Permission.VIEW_REPORTS)
    costs = await shop_costs(session, actor.shop_id)
    previous = period.previous()
    now = await _kpis(session, actor.shop_id, period, filters, costs)
    before = await _kpis(session, actor.shop_id, previous, filters, costs)
    figures = [
        KpiFigure(
            kpi.code,
            kpi.unit.value,
            now[kpi.code].value,
            now[kpi.code].numerator,
            now[kpi.code].denominator,
            before[kpi.code].value,
            change_of(now[kpi.code].value, before[kpi.code].value),
        )
        for kpi in KPIS
    ]
    return Overview(period, previous, figures)


def sort_key(code: str) -> str:
    """A leaderboard's sort column, refused when it names no KPI."""
    if code not in KPI_BY_CODE:
        known = ", ".join(KPI_BY_CODE)
        raise Invalid(f"unknown KPI {code!r}; sort by one of: {known}", field="sort")
    return code


async def _board_agents(
    session: AsyncSession, actor: Actor, filters: Filters, with_facts: list[int]
) -> list[Agent]:
    """The agents on the board: those with facts in the period, and every active agent
    the filters name (all when they name none), so an idle agent shows with no figures."""
    listed = select(Agent).where(Agent.shop_id == actor.shop_id)
    wanted = wanted_agents(actor.shop_id, filters)
    return list(await session.scalars(listed.where(wanted | Agent.id.in_(with_facts))))


async def read_agent_board(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    filters: Filters = Filters(),
    *,
    sort: str = "conversations",
    descending: bool = True,
) -> list[AgentRow]:
    """Each agent's KPIs over ``period``, sorted by the KPI ``sort`` (agents without that
    figure last, whichever the order), then by name."""
    actor.require(Permission.VIEW_REPORTS)
    sort = sort_key(sort)
    costs = await shop_costs(session, actor.shop_id)
    totals = await read_totals(
        session, period.scope(actor.shop_id, filters), group_by=("agent_id", "kind")
    )
    per_agent: dict[int, dict[str, Total]] = {}
    for (agent_id, kind), total in totals.items():
        if agent_id:
            per_agent.setdefault(agent_id, {})[kind] = total
    agents = await _board_agents(session, actor, filters, list(per_agent))
    rows = [
        AgentRow(a.id, a.display_name, a.level.value, compute_kpis(per_agent.get(a.id, {}), costs))
        for a in agents
    ]
    rows.sort(key=lambda row: row.name)
    with_figure = [row for row in rows if row.kpis[sort].value is not None]
    without = [row for row in rows if row.kpis[sort].value is None]
    with_figure.sort(key=lambda row: row.kpis[sort].value or 0.0, reverse=descending)
    return with_figure + without
