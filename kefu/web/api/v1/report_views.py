"""The dashboards' charts besides the KPI overview: trends, the staffing heatmap, the
funnel, live now, the drill-down behind any figure, and exports of the reports as CSV or
XLSX. Every route takes the report period and filters (``ReportQueryDep``), which also
refuses callers without the view_reports permission."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, Field

from kefu.access import Actor
from kefu.errors import Invalid
from kefu.lib.tables import to_csv, to_xlsx
from kefu.models import Presence
from kefu.models.base import utcnow
from kefu.models.reports import ReportKind
from kefu.reports import views
from kefu.reports.exports import (
    Table,
    agents_table,
    conversations_table,
    drilldown_table,
    forecast_table,
    funnel_table,
    heatmap_table,
    intents_table,
    live_table,
    overview_table,
    topics_table,
    trend_table,
)
from kefu.reports.forecast import inbound_forecast
from kefu.reports.intents import intents_before_orders
from kefu.reports.overview import read_agent_board, read_overview
from kefu.reports.periods import Period
from kefu.reports.topics import MAX_TOPICS, shop_topics
from kefu.web import i18n
from kefu.web.api.v1.report_params import ReportQuery, ReportQueryDep
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, CursorQuery, LimitQuery, PageOut
from kefu.web.deps import ActorDep, SessionDep
from kefu.web.report_labels import localised

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)

KpiQuery = Annotated[
    str, Query(description="A KPI code (docs/kpis.md), e.g. conversion_rate", examples=["csat"])
]


class PeriodOut(ApiModel):
    start: date = Field(description="First day, shop-local")
    end: date = Field(description="Last day, included")


def _period(period: Period) -> PeriodOut:
    return PeriodOut(start=period.first_day, end=period.last_day)


class TrendPointOut(ApiModel):
    day: date
    value: float | None = Field(description="null: nothing to divide by that day")
    numerator: float
    denominator: float


class TrendOut(ApiModel):
    kpi: str
    unit: str
    lower_is_better: bool
    period: PeriodOut
    points: list[TrendPointOut] = Field(description="One per shop-local day of the period")


@router.get("/reports/trends", summary="A KPI day by day over the period")
async def get_trend(
    session: SessionDep, actor: ActorDep, query: ReportQueryDep, kpi: KpiQuery = "conversations"
) -> TrendOut:
    found, points = await views.kpi_trend(session, actor.shop_id, query.period, query.filters, kpi)
    return TrendOut(
        kpi=found.code,
        unit=found.unit.value,
        lower_is_better=found.lower_is_better,
        period=_period(query.period),
        points=[
            TrendPointOut(
                day=p.day,
                value=p.figure.value,
                numerator=p.figure.numerator,
                denominator=p.figure.denominator,
            )
            for p in points
        ],
    )


class HeatmapOut(ApiModel):
    period: PeriodOut
    counts: list[list[int]] = Field(
        description="Conversations opened: counts[weekday][hour], weekday 0 = Monday, "
        "the shop's local hours 0–23"
    )


@router.get("/reports/heatmap", summary="Conversations opened per weekday and hour")
async def get_heatmap(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> HeatmapOut:
    counts = await views.opened_heatmap(session, actor.shop_id, query.period, query.filters)
    return HeatmapOut(period=_period(query.period), counts=counts)


class FunnelStepOut(ApiModel):
    step: str = Field(description="visit, chat, inquiry, order, paid or repurchase")
    kind: str = Field(description="The report fact it counts (drill down with it)")
    count: int
    rate: float | None = Field(description="count over the previous step's; null: first or 0")


class FunnelOut(ApiModel):
    period: PeriodOut
    steps: list[FunnelStepOut]


@router.get("/reports/funnel", summary="Visit → chat → inquiry → order → paid → repurchase")
async def get_funnel(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> FunnelOut:
    steps = await views.funnel(session, actor.shop_id, query.period, query.filters)
    return FunnelOut(
        period=_period(query.period),
        steps=[
            FunnelStepOut(step=s.step, kind=s.kind.value, count=s.count, rate=s.rate) for s in steps
        ],
    )


class AgentLoadOut(ApiModel):
    agent_id: int
    name: str
    presence: Presence
    open_chats: int
    max_chats: int


class LiveOut(ApiModel):
    queued: int = Field(description="Open conversations waiting for an agent")
    longest_wait_seconds: int
    agents_online: int
    agents: list[AgentLoadOut] = Field(description="Agents online or away, or holding chats")


@router.get(
    "/reports/live",
    summary="The queue and the agents right now",
    description="Whatever the period. The filters narrow the queue by its conversations' "
    "team, channel, stage, intent and segment, the agents to those chosen or in the chosen "
    "teams, and their open chats by channel, stage, intent and segment.",
)
async def get_live(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> LiveOut:
    now = await views.live_now(session, actor.shop_id, query.filters)
    return LiveOut(
        queued=now.queued,
        longest_wait_seconds=now.longest_wait_seconds,
        agents_online=now.agents_online,
        agents=[AgentLoadOut.model_validate(a) for a in now.agents],
    )


class DrillRowOut(ApiModel):
    id: int = Field(description="The report fact's id")
    kind: str
    occurred_at: AwareDatetime
    value: int = Field(description="What the fact measured: seconds, cents, stars …")
    conversation_id: int | None
    case_id: int | None
    agent_id: int | None
    agent_name: str | None
    channel: str | None
    status: str | None = Field(description="The conversation's status now")
    customer_name: str | None


@router.get("/reports/drilldown", summary="The facts (conversations, cases) behind a figure")
async def get_drilldown(
    session: SessionDep,
    actor: ActorDep,
    query: ReportQueryDep,
    kind: Annotated[ReportKind, Query(description="The report fact a figure counts")],
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[DrillRowOut]:
    page = await views.drilldown(
        session,
        actor.shop_id,
        query.period,
        query.filters,
        kind,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, DrillRowOut)


class ExportReport(enum.StrEnum):
    OVERVIEW = "overview"
    AGENTS = "agents"
    TRENDS = "trends"
    FUNNEL = "funnel"
    HEATMAP = "heatmap"
    CONVERSATIONS = "conversations"
    TOPICS = "topics"
    FORECAST = "forecast"
    INTENTS = "intents"
    LIVE = "live"
    DRILLDOWN = "drilldown"


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _table(
    session: SessionDep,
    actor: Actor,
    query: ReportQuery,
    report: ExportReport,
    kpi: str,
    kind: ReportKind | None,
) -> Table:
    period, filters, shop_id = query.period, query.filters, actor.shop_id
    if report is ExportReport.LIVE:
        return live_table(await views.live_now(session, shop_id, filters), period, utcnow())
    if report is ExportReport.DRILLDOWN:
        if kind is None:
            raise Invalid("say which report fact to export with kind=…", field="kind")
        return await drilldown_table(session, shop_id, period, filters, kind)
    if report is ExportReport.OVERVIEW:
        return overview_table(await read_overview(session, actor, period, filters))
    if report is ExportReport.AGENTS:
        return agents_table(await read_agent_board(session, actor, period, filters))
    if report is ExportReport.TRENDS:
        return trend_table(*await views.kpi_trend(session, shop_id, period, filters, kpi))
    if report is ExportReport.FUNNEL:
        return funnel_table(await views.funnel(session, shop_id, period, filters))
    if report is ExportReport.HEATMAP:
        return heatmap_table(await views.opened_heatmap(session, shop_id, period, filters))
    if report is ExportReport.TOPICS:
        return topics_table(await shop_topics(session, actor, period, filters, limit=MAX_TOPICS))
    if report is ExportReport.FORECAST:
        return forecast_table(await inbound_forecast(session, actor, period, filters), period)
    if report is ExportReport.INTENTS:
        return intents_table(await intents_before_orders(session, actor, period, filters))
    return await conversations_table(session, shop_id, period, filters)


def _locale(request: Request, lang: str | None) -> str:
    """``lang``, else the Accept-Language header, else zh-CN (the product's first)."""
    return (
        i18n.normalise(lang)
        or i18n.accepted_locale(request.headers.get("accept-language"))
        or i18n.LOCALES[0]
    )


@router.get(
    "/reports/export",
    summary="A report as a CSV or XLSX file",
    description="Every report of the period and filters: the overview, the leaderboard, a "
    "KPI's trend (`kpi`), the funnel, the heatmap, the conversations, the analysis (topics, "
    "forecast, intents), the queue and agents right now (`live`: whatever the period), and "
    "every fact behind a figure (`drilldown` with `kind`, e.g. kind=conversion). Exports "
    "of more than 200,000 rows are refused with a 422 asking for a shorter period.",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX_TYPE: {}}}},
)
async def export_report(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    query: ReportQueryDep,
    report: Annotated[ExportReport, Query(description="Which report")],
    format: Annotated[ExportFormat, Query(description="csv or xlsx")] = ExportFormat.CSV,
    kpi: Annotated[str, Query(description="The KPI of a trends export")] = "conversations",
    kind: Annotated[
        ReportKind | None, Query(description="The report fact of a drilldown export")
    ] = None,
    lang: Annotated[str | None, Query(description="Header language: zh-CN or en")] = None,
) -> Response:
    table = await _table(session, actor, query, report, kpi, kind)
    headers, rows = localised(table, _locale(request, lang))
    period = query.period
    filename = f"{table.name}_{period.first_day}_{period.last_day}.{format.value}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format is ExportFormat.XLSX:
        units = [c.unit for c in table.columns]
        return Response(
            to_xlsx(table.name, headers, units, rows), media_type=XLSX_TYPE, headers=disposition
        )
    return Response(
        to_csv(headers, rows), media_type="text/csv; charset=utf-8", headers=disposition
    )
