"""What a scheduled report says: every KPI of the period it covers beside the period it
is compared with, and optionally each agent's figures (the leaderboard). Numbers only;
``kefu.web.report_mail`` turns them into an e-mail in the shop's language."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.lib.report_calendar import compared_days, covered_days
from kefu.models import Agent, Shop
from kefu.models.reports import ReportFrequency, ReportKind, ReportSchedule
from kefu.reports.kpis import KPI_BY_CODE, KPIS, Kpi, KpiValue, Unit, by_kind, compute_kpis
from kefu.reports.periods import Period, shop_zone
from kefu.reports.totals import Total, read_totals

# The leaderboard's columns after the agent: what each person answered and how well.
LEADERBOARD_KPIS = (
    "first_response_seconds",
    "response_seconds",
    "fast_response_rate",
    "fcr_rate",
    "csat",
    "conversion_rate",
    "revenue_cents",
    "qa_score",
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One KPI now and in the period compared with (None: nothing to compute it from)."""

    kpi: Kpi
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """A rate's change in percentage points; any other figure's change in percent of
        the previous figure. None when either side is missing or the previous is 0."""
        if self.value is None or self.previous is None:
            return None
        if self.kpi.unit == Unit.RATIO:
            return (self.value - self.previous) * 100
        if not self.previous:
            return None
        return (self.value - self.previous) / self.previous * 100

    @property
    def improved(self) -> bool | None:
        change = self.change
        if not change:
            return None
        return (change < 0) if self.kpi.lower_is_better else (change > 0)


@dataclass(frozen=True, slots=True)
class AgentRow:
    name: str
    answered: int  # conversations the agent gave a first response in
    figures: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class Digest:
    shop_name: str
    locale: str
    frequency: ReportFrequency
    period: Period
    compared: Period
    figures: list[Figure]
    leaderboard: list[AgentRow] | None


async def _kpis(session: AsyncSession, shop_id: int, period: Period) -> dict[str, KpiValue]:
    return compute_kpis(by_kind(await read_totals(session, period.scope(shop_id))))


async def _leaderboard(session: AsyncSession, shop_id: int, period: Period) -> list[AgentRow]:
    """Each agent with facts in the period, the busiest first."""
    grouped = await read_totals(session, period.scope(shop_id), group_by=("agent_id", "kind"))
    per_agent: dict[int, dict[str, Total]] = defaultdict(dict)
    for (agent_id, kind), total in grouped.items():
        if agent_id:
            per_agent[agent_id][kind] = total
    names = dict(
        (
            await session.execute(
                select(Agent.id, Agent.display_name).where(
                    Agent.shop_id == shop_id, Agent.id.in_(list(per_agent))
                )
            )
        ).all()
    )
    rows = []
    for agent_id, totals in per_agent.items():
        kpis = compute_kpis(totals)
        answered = totals.get(ReportKind.FIRST_RESPONSE.value, Total()).count
        figures = {code: kpis[code].value for code in LEADERBOARD_KPIS}
        rows.append(AgentRow(names.get(agent_id, f"#{agent_id}"), answered, figures))
    return sorted(rows, key=lambda row: (-row.answered, row.name))


async def build_digest(session: AsyncSession, schedule: ReportSchedule) -> Digest:
    """The report owed at ``schedule.slot_at``: its period follows from the send day."""
    shop = await session.get_one(Shop, schedule.shop_id)
    zone = shop_zone(shop.timezone)
    frequency = schedule.frequency.value
    first, last = covered_days(frequency, schedule.slot_at.astimezone(zone).date())
    period = Period(first, last, zone)
    compared = Period(*compared_days(frequency, first, last), zone)
    now, before = await _kpis(session, shop.id, period), await _kpis(session, shop.id, compared)
    figures = [Figure(kpi, now[kpi.code].value, before[kpi.code].value) for kpi in KPIS]
    leaderboard = (
        await _leaderboard(session, shop.id, period) if schedule.attach_leaderboard else None
    )
    return Digest(
        shop.name, shop.locale, schedule.frequency, period, compared, figures, leaderboard
    )


def leaderboard_kpis() -> list[Kpi]:
    return [KPI_BY_CODE[code] for code in LEADERBOARD_KPIS]
