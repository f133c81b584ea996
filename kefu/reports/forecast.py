"""The staffing forecast of a shop: conversations opened per hour over the last eight
weeks (report facts, so no message is scanned) forecast for the next seven days by
``kefu.lib.forecast``, with its backtest next to the seasonal-naive baseline's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models.base import utcnow
from kefu.models.reports import ReportKind
from kefu.reports.periods import Filters, Period
from kefu.reports.rollup import hour_of
from kefu.reports.totals import read_totals

if TYPE_CHECKING:
    from kefu.lib.forecast import Forecast

HISTORY_WEEKS = 8
WEEK = 7 * 24  # hours in a week: the history's season and the forecast's length


@dataclass(frozen=True, slots=True)
class ForecastReport:
    origin: datetime  # the first forecast hour (UTC); history is the hours before it
    history: list[float]  # the last HISTORY_WEEKS weeks, hourly, oldest first
    forecast: Forecast

    def hours(self) -> list[datetime]:
        """The UTC start of each forecast hour."""
        return [self.origin + timedelta(hours=h) for h in range(WEEK)]


async def inbound_forecast(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    filters: Filters = Filters(),
    *,
    now: datetime | None = None,
) -> ForecastReport:
    """Forecast from the period's end, or from the current hour when the period ends later
    (the hour under way is not complete, so it is forecast, not counted)."""
    from kefu.lib.forecast import forecast_week  # numpy: loaded by the first forecast only

    actor.require(Permission.VIEW_REPORTS)
    origin = hour_of(min(period.end, now or utcnow()))
    start = origin - timedelta(weeks=HISTORY_WEEKS)
    scope = filters.scope(actor.shop_id, start, origin)
    totals = await read_totals(
        session, scope, kinds=[ReportKind.CONVERSATION_OPENED], group_by=("hour",)
    )
    counts = [0.0] * (HISTORY_WEEKS * WEEK)
    for (hour,), total in totals.items():
        counts[int((hour - start) / timedelta(hours=1))] = float(total.count)
    return ForecastReport(origin, counts, forecast_week(counts))
