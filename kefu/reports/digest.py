"""What a scheduled report says: every KPI of the period it covers beside the period it
is compared with, and optionally each agent's figures (the leaderboard), read as the
dashboards read them (``kefu.reports.overview``), so the e-mail and the dashboard of the
same days agree. Numbers only; ``kefu.web.report_mail`` turns them into an e-mail in the
shop's language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.lib.report_calendar import compared_days, covered_days
from kefu.models import Shop
from kefu.models.reports import ReportFrequency, ReportSchedule
from kefu.reports.kpis import KPI_BY_CODE, Kpi, Unit
from kefu.reports.overview import AgentRow, read_agent_board, read_overview
from kefu.reports.periods import Period, shop_zone

# The leaderboard's columns after the agent and its first responses: how fast and how well.
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
class Digest:
    shop_name: str
    locale: str
    frequency: ReportFrequency
    period: Period
    compared: Period
    figures: list[Figure]
    leaderboard: list[AgentRow] | None


async def _figures(
    session: AsyncSession, actor: Actor, period: Period, compared: Period
) -> list[Figure]:
    """Every KPI of the period beside the compared period: the dashboard's overview,
    read once more for the compared period when it is not the overview's own (a month
    is compared with the calendar month before, not the same number of days)."""
    overview = await read_overview(session, actor, period)
    previous = {f.code: f.previous_value for f in overview.kpis}
    if overview.previous != compared:
        previous = {f.code: f.value for f in (await read_overview(session, actor, compared)).kpis}
    return [Figure(KPI_BY_CODE[f.code], f.value, previous[f.code]) for f in overview.kpis]


async def build_digest(session: AsyncSession, schedule: ReportSchedule) -> Digest:
    """The report owed at ``schedule.slot_at``: its period follows from the send day.
    Read as the shop's system actor: the schedule's people chose to receive it."""
    shop = await session.get_one(Shop, schedule.shop_id)
    actor = Actor.system(shop.id, "scheduled report")
    zone = shop_zone(shop.timezone)
    frequency = schedule.frequency.value
    first, last = covered_days(frequency, schedule.slot_at.astimezone(zone).date())
    period = Period(first, last, zone)
    compared = Period(*compared_days(frequency, first, last), zone)
    figures = await _figures(session, actor, period, compared)
    leaderboard = (
        await read_agent_board(session, actor, period) if schedule.attach_leaderboard else None
    )
    return Digest(
        shop.name, shop.locale, schedule.frequency, period, compared, figures, leaderboard
    )


def leaderboard_kpis() -> list[Kpi]:
    return [KPI_BY_CODE[code] for code in LEADERBOARD_KPIS]
