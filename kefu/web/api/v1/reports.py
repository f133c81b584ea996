"""Reports (docs/kpis.md): the KPI overview with the previous period beside it, the
agent leaderboard, case CSAT per agent (docs/cases.md#case-ratings), and the shop's
reporting settings (the costs of unit service cost)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.actions.reporting import do_update_reporting_settings
from kefu.reports.case_csat import read_case_csat
from kefu.reports.costs import read_reporting_settings
from kefu.reports.overview import period_json, read_agent_board, read_overview
from kefu.web.api.v1.report_params import ReportQueryDep
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)


class PeriodOut(ApiModel):
    start: str = Field(description="First day, shop-local (YYYY-MM-DD)")
    end: str = Field(description="Last day, included")


class KpiOut(ApiModel):
    code: str = Field(description="The KPI (docs/kpis.md), e.g. fcr_rate")
    unit: str = Field(description="seconds, ratio (0–1), cents, stars, score (0–100) or count")
    value: float | None = Field(description="null when the denominator is 0")
    numerator: float
    denominator: float
    previous_value: float | None = Field(description="The same KPI over the previous period")
    change: float | None = Field(
        description="(value − previous) / previous; null when either is null or previous is 0"
    )


class OverviewOut(ApiModel):
    period: PeriodOut
    previous: PeriodOut = Field(description="The period of the same length just before")
    kpis: list[KpiOut]


class AgentKpisOut(ApiModel):
    agent_id: int
    name: str
    level: str = Field(description="junior, intermediate or senior")
    kpis: dict[str, float | None] = Field(description="KPI code → value (null: no figure)")


class AgentBoardOut(ApiModel):
    items: list[AgentKpisOut]


class CaseCsatOut(ApiModel):
    agent_id: int | None = Field(description="The case's assignee when rated; null: nobody's")
    ratings: int = Field(description="Cases rated in the period")
    average: float = Field(description="Average stars, 1–5")
    good_share: float = Field(description="Share of 4–5 star ratings, 0–1")


class CaseCsatReportOut(ApiModel):
    period: PeriodOut
    items: list[CaseCsatOut] = Field(description="One per agent with ratings, most first")


class ReportingSettingsOut(ApiModel):
    cost_per_agent_hour_cents: int = Field(description="What an hour of an agent online costs")
    cost_per_conversation_cents: int = Field(description="What each conversation costs besides")


class ReportingSettingsPatch(ApiModel):
    """Only the fields sent are changed."""

    cost_per_agent_hour_cents: int | None = Field(None, examples=[3500])
    cost_per_conversation_cents: int | None = Field(None, examples=[50])


@router.get("/reports/overview", summary="Every KPI of a period, and of the period before")
async def overview(session: SessionDep, actor: ActorDep, query: ReportQueryDep) -> OverviewOut:
    found = await read_overview(session, actor, query.period, query.filters)
    return OverviewOut(
        period=PeriodOut(**period_json(found.period)),
        previous=PeriodOut(**period_json(found.previous)),
        kpis=[KpiOut.model_validate(figure) for figure in found.kpis],
    )


@router.get("/reports/agents", summary="The agent leaderboard: each agent's KPIs")
async def agent_board(
    session: SessionDep,
    actor: ActorDep,
    query: ReportQueryDep,
    sort: Annotated[str, Query(description="The KPI code to sort by")] = "conversations",
    order: Annotated[Literal["desc", "asc"], Query(description="desc: highest first")] = "desc",
) -> AgentBoardOut:
    rows = await read_agent_board(
        session, actor, query.period, query.filters, sort=sort, descending=order == "desc"
    )
    return AgentBoardOut(
        items=[
            AgentKpisOut(
                agent_id=row.agent_id,
                name=row.name,
                level=row.level,
                kpis={code: figure.value for code, figure in row.kpis.items()},
            )
            for row in rows
        ]
    )


@router.get(
    "/reports/case-csat",
    summary="Case CSAT per agent: shoppers' 1–5 ratings of their finished after-sales cases",
    description="Ratings given in the period (shop-local days), each credited to the case's "
    "assignee when it was rated. Of the filters only `agent_id` applies (cases have no "
    "channel, stage or intent). Needs the report permission.",
)
async def case_csat(
    session: SessionDep, actor: ActorDep, query: ReportQueryDep
) -> CaseCsatReportOut:
    found = await read_case_csat(session, actor, query.period)
    wanted = set(query.filters.agent_ids)
    rows = [row for row in found.values() if not wanted or row.agent_id in wanted]
    return CaseCsatReportOut(
        period=PeriodOut(**period_json(query.period)),
        items=[
            CaseCsatOut(
                agent_id=row.agent_id,
                ratings=row.ratings,
                average=row.average,
                good_share=row.good_share,
            )
            for row in sorted(rows, key=lambda r: (-r.ratings, r.agent_id or 0))
        ],
    )


@router.get("/shop/reporting", summary="Read the costs behind the unit service cost")
async def reporting_settings(session: SessionDep, actor: ActorDep) -> ReportingSettingsOut:
    return ReportingSettingsOut(**await read_reporting_settings(session, actor))


@router.patch("/shop/reporting", summary="Set what an agent hour and a conversation cost")
async def update_reporting_settings(
    body: ReportingSettingsPatch, session: SessionDep, actor: ActorDep
) -> ReportingSettingsOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    settings = await do_update_reporting_settings(session, actor, **changes)
    await session.commit()
    return ReportingSettingsOut(**settings)
