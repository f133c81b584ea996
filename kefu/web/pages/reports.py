"""The supervisor's reports (/reports): KPI cards against the previous period, live now,
a KPI's trend, the staffing heatmap, the funnel and the agent leaderboard, with filters
and exports; and the drill-down (/reports/drilldown) listing the conversations behind a
figure. For owners, supervisors and analysts (the view_reports permission).

The page is rendered once; ``static/js/reports.js`` draws the charts from the report API
with the page's filters (the same query string), so the page and an export never
disagree. The drill-down is rendered on the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.errors import DomainError, Invalid
from kefu.models import Channel, ConversationStatus, Level, ReportKind, Skill
from kefu.queries.people import list_agents, list_teams
from kefu.reports.kpis import KPIS
from kefu.reports.periods import Filters, Period, shop_period
from kefu.reports.views import KPI_DRILL, VALUE_UNITS, drilldown
from kefu.understanding.codes import intent_codes
from kefu.web import i18n
from kefu.web.api.v1.report_params import SEGMENT_SLUGS
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.i18n import gettext as _
from kefu.web.labels import label
from kefu.web.pages.context import Page, PageDep
from kefu.web.pages.crm import SEGMENT_NAMES
from kefu.web.pages.rendering import render
from kefu.web.report_labels import KIND_NAMES, KPI_NAMES, STEP_NAMES

router = APIRouter(include_in_schema=False)
DRILL_ROWS = 50
LIVE_REFRESH_SECONDS = 30
EXPORTS = (
    ("overview", N_("KPI overview")),
    ("agents", N_("Agent leaderboard")),
    ("trends", N_("Trend of the chosen KPI")),
    ("funnel", N_("Funnel")),
    ("heatmap", N_("Conversations by weekday and hour")),
    ("conversations", N_("Conversations")),
    ("live", N_("Queue and agents now")),
)
FILTER_FIELDS = ("team_id", "agent_id", "channel", "stage", "intent", "segment")
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass(frozen=True, slots=True)
class Asked:
    """The period and filters the page was asked for, as the form and the API take them."""

    period: Period
    filters: Filters
    values: dict[str, str]
    problem: str | None = None  # a refused filter (English; the template translates it)

    @property
    def query(self) -> str:
        """The query string the report API takes for these (empty values left out)."""
        return urlencode({k: v for k, v in self.values.items() if v})


def _whole(value: str, field: str) -> tuple[int, ...]:
    if not value:
        return ()
    if not value.isdigit():
        raise Invalid(f"{field} is not an id Kefu gives out", field=field)
    return (int(value),)


def _listed(value: str, field: str, known: set[str], what: str) -> tuple[str, ...]:
    if value and value not in known:
        raise Invalid(f"choose {what} from the list", field=field)
    return (value,) if value else ()


def _day(value: str, field: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise Invalid(f"{field} is not a date (YYYY-MM-DD)", field=field) from exc


async def _asked(session: SessionDep, page: Page, request: Request) -> Asked:
    """The filters of the query string; a bad one is reported and the default used."""
    params = request.query_params
    values = {k: params.get(k, "").strip() for k in ("start", "end", *FILTER_FIELDS)}
    try:
        period = await shop_period(
            session, page.actor.shop_id, _day(values["start"], "start"), _day(values["end"], "end")
        )
        filters = Filters(
            _whole(values["agent_id"], "agent_id"),
            _whole(values["team_id"], "team_id"),
            _listed(values["channel"], "channel", set(Channel), "a channel"),
            _listed(values["stage"], "stage", set(Skill), "a stage"),
            _listed(values["intent"], "intent", set(intent_codes()), "an intent"),
            _listed(values["segment"], "segment", set(SEGMENT_SLUGS), "a segment"),
        )
    except DomainError as exc:
        period = await shop_period(session, page.actor.shop_id, None, None)
        shown = dict.fromkeys(values, "")
        shown["start"], shown["end"] = period.first_day.isoformat(), period.last_day.isoformat()
        return Asked(period, Filters(), shown, exc.message)
    values["start"], values["end"] = period.first_day.isoformat(), period.last_day.isoformat()
    return Asked(period, filters, values)


def _config(page: Page, asked: Asked) -> dict[str, Any]:
    """What the script needs, with every string already in the page's language."""
    return {
        "query": asked.query,
        "locale": page.locale,
        "currency": page.shop.currency,
        "live_seconds": LIVE_REFRESH_SECONDS,
        "kpis": [
            {
                "code": kpi.code,
                "name": _(KPI_NAMES[kpi.code]),
                "unit": kpi.unit.value,
                "lower_is_better": kpi.lower_is_better,
                "drill": KPI_DRILL[kpi.code].value,
            }
            for kpi in KPIS
        ],
        "steps": {step: _(name) for step, name in STEP_NAMES.items()},
        "weekdays": [_(day) for day in WEEKDAYS],
        "levels": {level.value: label(level) for level in Level},
        "strings": {
            "previous": _("Previous period"),
            "agent": _("Agent"),
            "seconds": _("s"),
            "minutes": _("min"),
            "online": _("Online"),
            "away": _("Away"),
            "offline": _("Offline"),
            "nobody": _("No agent online"),
            "conversations": _("Conversations opened"),
            "count": _("Count"),
            "step_rate": _("Step rate"),
            "show": _("Show conversations"),
            "error": _("Something went wrong; try again"),
        },
    }


def _options(page: Page, teams, agents) -> dict[str, list[tuple[str, str]]]:
    return {
        "team_id": [("", _("All teams")), *((str(t.id), t.name) for t in teams)],
        "agent_id": [("", _("All agents")), *((str(a.id), a.display_name) for a in agents)],
        "channel": [("", _("All channels")), *((c.value, label(c)) for c in Channel)],
        "stage": [("", _("All stages")), *((s.value, label(s)) for s in Skill)],
        "intent": [("", _("All intents")), *((code, code) for code in intent_codes())],
        "segment": [
            ("", _("All segments")),
            *((slug, _(SEGMENT_NAMES[slug])) for slug in SEGMENT_SLUGS),
        ],
        "exports": [(name, _(title)) for name, title in EXPORTS],
    }


@router.get("/reports")
async def reports_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.VIEW_REPORTS)
    asked = await _asked(session, page, request)
    teams = await list_teams(session, page.actor)
    agents = (await list_agents(session, page.actor, active=True, limit=200)).items
    token = i18n.activate(page.locale)
    try:
        config = _config(page, asked)
        options = _options(page, teams, agents)
    finally:
        i18n.deactivate(token)
    context = {
        "config": config,
        "asked": asked,
        "options": options,
    }
    return render(request, "reports/index.html", context)


def _kind(value: str) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError as exc:
        raise Invalid(f"unknown report fact {value!r}", field="kind") from exc


@router.get("/reports/drilldown")
async def drilldown_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.VIEW_REPORTS)
    kind = _kind(request.query_params.get("kind", ""))
    asked = await _asked(session, page, request)
    cursor = request.query_params.get("cursor") or None
    rows = await drilldown(
        session,
        page.actor.shop_id,
        asked.period,
        asked.filters,
        kind,
        cursor=cursor,
        limit=DRILL_ROWS,
    )
    context = {
        "kind": kind,
        "kind_names": KIND_NAMES,
        "value_unit": VALUE_UNITS.get(kind),
        "rows": rows,
        "paged": cursor is not None,
        "asked": asked,
        "channels": {c.value: c for c in Channel},
        "statuses": {s.value: s for s in ConversationStatus},
    }
    return render(request, "reports/drilldown.html", context)
