"""Report analysis (/reports/analysis), for owners, supervisors and analysts: the hourly
inbound forecast for staffing (a chart, and its backtest next to the seasonal-naive
baseline's), the rising topics of shoppers' messages with examples, and which first
intents lead to orders. The figures come from ``kefu.reports``, the same as the API's;
``static/js/report-analysis.js`` draws the chart from the JSON the page carries."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.reports.forecast import ForecastReport, inbound_forecast
from kefu.reports.intents import intents_before_orders
from kefu.reports.periods import shop_period
from kefu.reports.topics import shop_topics
from kefu.web import i18n
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.i18n import gettext as _
from kefu.web.pages.context import PageDep
from kefu.web.pages.rendering import local_time, render

router = APIRouter(include_in_schema=False)
CHART_HISTORY_DAYS = 14  # of actual counts drawn before the forecast
TOPICS_SHOWN = 10
RISING_AT = 3.0  # a rising score from here up is marked as a real rise
# kefu.lib.forecast's notes (not imported: it brings numpy, loaded by the first forecast).
NOTES = {
    "not_enough_history": N_("Less than a week of conversations: no forecast yet."),
    "naive_only": N_("One week of conversations: only the same-hour-last-week forecast so far."),
    "no_backtest": N_("Two weeks of conversations: not enough yet to test the forecast on."),
}
EXPORTS = (
    ("forecast", N_("Forecast per hour")),
    ("topics", N_("Rising topics")),
    ("intents", N_("Conversion by intent")),
)
STAGES = {
    "presale": N_("Pre-sale"),
    "insale": N_("During the sale"),
    "logistics": N_("Logistics"),
    "aftersale": N_("After-sale"),
    "general": N_("General"),
}


def _chart(report: ForecastReport, timezone: str) -> dict[str, Any]:
    """What the chart script draws: shop-local hour labels, the last two weeks' actual
    counts, then the next week by the model and by the baseline, and its legend."""
    shown = CHART_HISTORY_DAYS * 24
    start = report.origin - timedelta(hours=shown)
    past = [start + timedelta(hours=h) for h in range(shown)]
    hours: list[datetime] = past + report.hours()
    result = report.forecast
    pad = [None] * shown
    return {
        "labels": [local_time(h, timezone, "%m-%d %H:00") for h in hours],
        "actual": report.history[-shown:] + [None] * len(report.hours()),
        "model": pad + (result.model or [None] * len(report.hours())),
        "naive": pad + (result.naive or [None] * len(report.hours())),
        "strings": {
            "actual": _("Conversations opened"),
            "model": _("Forecast (seasonal model)"),
            "naive": _("Same hour last week"),
        },
    }


@router.get("/reports/analysis")
async def analysis_page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    start: Annotated[date | None, Query()] = None,
    end: Annotated[date | None, Query()] = None,
) -> Response:
    page.actor.require(Permission.VIEW_REPORTS)
    period = await shop_period(session, page.actor.shop_id, start, end)
    topics = await shop_topics(session, page.actor, period, limit=TOPICS_SHOWN)
    forecast = await inbound_forecast(session, page.actor, period)
    intents = await intents_before_orders(session, page.actor, period)
    token = i18n.activate(page.locale)
    try:
        chart = _chart(forecast, page.shop.timezone)
    finally:
        i18n.deactivate(token)
    context = {
        "period": period,
        "topics": topics,
        "forecast": forecast.forecast,
        "origin": forecast.origin,
        "note": NOTES.get(forecast.forecast.note or ""),
        "chart": chart,
        "intents": intents,
        "stages": STAGES,
        "rising_at": RISING_AT,
        "exports": EXPORTS,
    }
    return render(request, "reports/analysis.html", context)
