"""Agent growth: the shop's promotion criteria, each agent's assessment and growth
figures, promotions, and training records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.agents import MAX_REASON, do_change_level
from kefu.actions.growth import (
    MAX_NOTES,
    MAX_TITLE,
    do_add_training,
    do_delete_training,
    do_update_level_settings,
    do_update_training,
)
from kefu.models import Level, TrainingKind, TrainingRecord
from kefu.queries.shops import get_shop
from kefu.reports.growth import (
    Assessment,
    agent_growth,
    agent_trainings,
    assess_agents,
    assess_team,
    growth_agent,
)
from kefu.reports.levels import level_settings
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["growth"], responses=ERROR_RESPONSES)

Hours = Annotated[float, Field(gt=0, le=1000, description="Hours spent, e.g. 1.5")]
Score = Annotated[int, Field(ge=0, le=100, description="An exam's score, 0–100")]


class CriteriaOut(ApiModel):
    min_months: int = Field(description="Whole months at the current level")
    min_conversations: int = Field(
        description="Conversations the agent resolved in the last 90 days"
    )
    min_training_hours: float = Field(description="Training hours since reaching the level")
    kpis: dict[str, float] = Field(
        description="KPI code → threshold over the last 90 days (docs/kpis.md codes); a "
        "maximum for KPIs where less is better (response times, complaint and "
        "negative-review rates), a minimum for the others. Ratios are 0–1, qa_score 0–100"
    )


class LevelSettingsOut(ApiModel):
    intermediate: CriteriaOut = Field(description="初级 → 中级")
    senior: CriteriaOut = Field(description="中级 → 高级")


class CriteriaPatch(ApiModel):
    """Only the fields sent are changed; ``kpis`` replaces the level's KPI thresholds."""

    model_config = ConfigDict(extra="forbid")

    min_months: int | None = Field(None, ge=0, le=120)
    min_conversations: int | None = Field(None, ge=0, le=10_000_000)
    min_training_hours: float | None = Field(None, ge=0, le=10_000)
    kpis: dict[str, float] | None = Field(
        None, examples=[{"first_response_seconds": 30, "csat": 0.9, "qa_score": 90}]
    )


class LevelSettingsPatch(ApiModel):
    model_config = ConfigDict(extra="forbid")

    intermediate: CriteriaPatch | None = None
    senior: CriteriaPatch | None = None


class CheckOut(ApiModel):
    code: str = Field(description="months, conversations, training_hours or a KPI code")
    figure: float | None = Field(description="The agent's figure; null: no data")
    threshold: float
    maximum: bool = Field(description="True: the figure must not exceed the threshold")
    met: bool


class AssessmentOut(ApiModel):
    agent_id: int
    level: Level
    level_since: date = Field(description="The shop-local day they reached their level")
    next_level: Level | None = Field(description="null at senior, the top level")
    months_at_level: int
    conversations: int = Field(description="Resolved in the last 90 days")
    training_hours: float = Field(description="Since reaching the level")
    checks: list[CheckOut] = Field(description="Each criterion of the next level")
    eligible: bool | None = Field(description="Every criterion met; null at senior")


class WeekOut(ApiModel):
    start: date = Field(description="The week's Monday, shop time")
    kpis: dict[str, float | None]


class FindingOut(ApiModel):
    code: str = Field(description="A quality finding code (docs/quality.md)")
    replies: int = Field(description="The agent's replies with this finding")


class GrowthOut(ApiModel):
    agent_id: int
    start: date
    end: date
    assessment: AssessmentOut
    kpis: dict[str, float | None] = Field(description="The agent's KPIs over the period")
    team_medians: dict[str, float | None] = Field(description="The active agents' medians")
    strengths: list[str] = Field(description="KPI codes better than the team's median")
    to_improve: list[str] = Field(description="KPI codes worse than the team's median")
    findings: list[FindingOut] = Field(description="The most frequent, first")
    weeks: list[WeekOut]


class LevelIn(ApiModel):
    level: Level
    reason: str | None = Field(
        None,
        max_length=MAX_REASON,
        description="Required to promote an agent who is not eligible, and to demote",
    )


class TrainingOut(ApiModel):
    id: int
    agent_id: int
    title: str
    kind: TrainingKind = Field(
        description="onboarding 新员工培训, advanced 进阶培训, mentoring 导师带教, exam 考核"
    )
    held_on: date
    hours: float
    score: int | None
    notes: str
    created_by_agent_id: int | None
    created_at: datetime


class TrainingIn(ApiModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["售后退换货流程培训"])
    kind: TrainingKind
    held_on: date
    hours: Hours
    score: Score | None = None
    notes: str = Field("", max_length=MAX_NOTES)


class TrainingPatch(ApiModel):
    """Only the fields sent are changed."""

    title: str | None = Field(None, min_length=1, max_length=MAX_TITLE)
    kind: TrainingKind | None = None
    held_on: date | None = None
    hours: Hours | None = None
    score: Score | None = None
    notes: str | None = Field(None, max_length=MAX_NOTES)


def assessment_out(level: Level, assessment: Assessment) -> AssessmentOut:
    figures = assessment.figures
    return AssessmentOut(
        agent_id=assessment.agent_id,
        level=level,
        level_since=assessment.level_since,
        next_level=assessment.next_level,
        months_at_level=figures.months,
        conversations=figures.conversations,
        training_hours=figures.training_hours,
        checks=[CheckOut.model_validate(check) for check in assessment.checks],
        eligible=assessment.eligible,
    )


def training_out(record: TrainingRecord) -> TrainingOut:
    columns = set(TrainingOut.model_fields) - {"hours"}
    return TrainingOut.model_validate(
        {key: getattr(record, key) for key in columns} | {"hours": round(record.minutes / 60, 2)}
    )


async def _settings_out(session: AsyncSession, actor: Actor) -> LevelSettingsOut:
    return LevelSettingsOut(**level_settings((await get_shop(session, actor)).level_settings))


@router.get("/shop/levels", summary="Read the promotion criteria of the agent levels")
async def read_level_settings(session: SessionDep, actor: ActorDep) -> LevelSettingsOut:
    return await _settings_out(session, actor)


@router.patch("/shop/levels", summary="Change the promotion criteria (owners, supervisors)")
async def update_level_settings(
    body: LevelSettingsPatch, session: SessionDep, actor: ActorDep
) -> LevelSettingsOut:
    changes = {
        level: fields.model_dump(exclude_unset=True, exclude_none=True)
        for level, fields in body
        if fields is not None
    }
    settings = await do_update_level_settings(session, actor, **changes)
    await session.commit()
    return LevelSettingsOut(**settings)


@router.get(
    "/shop/levels/assessments", summary="Every active agent's assessment for the next level"
)
async def read_assessments(session: SessionDep, actor: ActorDep) -> list[AssessmentOut]:
    return [assessment_out(agent.level, a) for agent, a in await assess_team(session, actor)]


@router.get("/agents/{agent_id}/growth", summary="An agent's growth: assessment, trends, findings")
async def read_growth(agent_id: IdPath, session: SessionDep, actor: ActorDep) -> GrowthOut:
    growth = await agent_growth(session, actor, agent_id)
    return GrowthOut(
        agent_id=growth.agent.id,
        start=growth.period.first_day,
        end=growth.period.last_day,
        assessment=assessment_out(growth.agent.level, growth.assessment),
        kpis=growth.kpis,
        team_medians=growth.medians,
        strengths=growth.strengths,
        to_improve=growth.to_improve,
        findings=[FindingOut(code=code, replies=n) for code, n in growth.findings],
        weeks=[WeekOut(start=week.start, kpis=week.kpis) for week in growth.weeks],
    )


@router.post(
    "/agents/{agent_id}/level",
    summary="Promote or demote an agent (a reason is needed unless eligible)",
)
async def change_level(
    agent_id: IdPath, body: LevelIn, session: SessionDep, actor: ActorDep
) -> AssessmentOut:
    agent = await do_change_level(session, actor, agent_id, body.level, body.reason)
    await session.commit()
    return assessment_out(agent.level, (await assess_agents(session, actor, [agent]))[agent.id])


@router.get("/agents/{agent_id}/trainings", summary="An agent's training records, latest first")
async def list_trainings(
    agent_id: IdPath, session: SessionDep, actor: ActorDep
) -> list[TrainingOut]:
    agent = await growth_agent(session, actor, agent_id)
    return [training_out(r) for r in await agent_trainings(session, actor.shop_id, agent.id)]


@router.post("/agents/{agent_id}/trainings", status_code=201, summary="Record a training")
async def add_training(
    agent_id: IdPath, body: TrainingIn, session: SessionDep, actor: ActorDep
) -> TrainingOut:
    record = await do_add_training(session, actor, agent_id, **body.model_dump())
    await session.commit()
    return training_out(record)


@router.patch("/agents/{agent_id}/trainings/{training_id}", summary="Correct a training record")
async def update_training(
    agent_id: IdPath, training_id: IdPath, body: TrainingPatch, session: SessionDep, actor: ActorDep
) -> TrainingOut:
    fields = body.model_dump(exclude_unset=True)
    record = await do_update_training(session, actor, agent_id, training_id, **fields)
    await session.commit()
    return training_out(record)


@router.delete(
    "/agents/{agent_id}/trainings/{training_id}",
    status_code=204,
    summary="Delete a training record",
)
async def delete_training(
    agent_id: IdPath, training_id: IdPath, session: SessionDep, actor: ActorDep
) -> Response:
    await do_delete_training(session, actor, agent_id, training_id)
    await session.commit()
    return Response(status_code=204)
