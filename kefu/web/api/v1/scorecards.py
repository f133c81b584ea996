"""Scorecards of closed conversations (docs/quality.md#scorecards): list, read, the weekly
review sample, scores over time; a supervisor's review, an agent's dispute, a
supervisor's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.actions.scorecards import (
    MAX_COMMENT,
    do_decide_scorecard,
    do_dispute_scorecard,
    do_review_scorecard,
)
from kefu.models.quality import Decision, ScorecardStatus
from kefu.queries.scorecards import list_scorecards, load_scorecard, review_sample, score_trends
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
    RowId,
)
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/quality/scorecards", tags=["quality"], responses=ERROR_RESPONSES)

ResultValue = Literal["pass", "fail", "na"]
DayQuery = Annotated[date | None, Query(description="First day (shop time), included")]
UntilQuery = Annotated[date | None, Query(description="Last day (shop time), included")]


class CriterionOut(ApiModel):
    key: str = Field(description="greeting, response_time, fire, verification, closing, rating_ask")
    result: ResultValue
    weight: int
    reason_zh: str
    reason_en: str
    auto_result: ResultValue | None = Field(
        None, description="The automatic result, when a supervisor changed it"
    )
    comment: str | None = Field(None, description="The supervisor's reason for the change")
    by: str | None = Field(None, description="Who changed it")


class ScorecardOut(ApiModel):
    id: int
    conversation_id: int
    agent_id: int | None
    status: ScorecardStatus
    score: int | None = Field(description="0–100, as it stands now")
    auto_score: int | None = Field(description="What the automatic scoring gave")
    closed_at: datetime
    scored_at: datetime | None
    criteria: list[CriterionOut]
    findings: dict[str, int] = Field(description="Finding code → agent replies carrying it")
    penalty: int = Field(description="Points taken off for the findings")
    reviewer_id: int | None
    reviewed_at: datetime | None
    review_comment: str | None
    dispute_comment: str | None
    disputed_at: datetime | None
    decision: Decision | None
    decision_comment: str | None
    decided_by_id: int | None
    decided_at: datetime | None


class CriterionChange(ApiModel):
    key: str = Field(max_length=32, examples=["closing"])
    result: ResultValue
    comment: str | None = Field(None, max_length=MAX_COMMENT, examples=["结束语在上一条里"])


class ReviewIn(ApiModel):
    criteria: list[CriterionChange] | None = Field(None, max_length=10)
    comment: str | None = Field(
        None, max_length=MAX_COMMENT, description="Required when no criterion changes"
    )


class DisputeIn(ApiModel):
    comment: str = Field(
        min_length=1, max_length=MAX_COMMENT, examples=["顾客先说了再见，我回复了"]
    )


class DecisionIn(ApiModel):
    decision: Decision
    comment: str | None = Field(
        None, max_length=MAX_COMMENT, description="Required when answering a dispute"
    )
    criteria: list[CriterionChange] | None = Field(
        None, max_length=10, description="The changes of an amendment"
    )


class SampleOut(ApiModel):
    since: date = Field(description="The Monday of the week")
    until: date
    items: list[ScorecardOut]


class PointOut(ApiModel):
    start: date = Field(description="The day, or the Monday of the week")
    group_id: int | None = Field(description="The agent's or the team's id")
    name: str
    scorecards: int
    average: float


class TrendsOut(ApiModel):
    since: date
    until: date
    points: list[PointOut]


@router.get("", summary="List scorecards, newest first, with filters")
async def get_scorecards(
    session: SessionDep,
    actor: ActorDep,
    agent_id: Annotated[RowId | None, Query()] = None,
    team_id: Annotated[RowId | None, Query()] = None,
    since: DayQuery = None,
    until: UntilQuery = None,
    below: Annotated[int | None, Query(ge=0, le=101, description="Score below this")] = None,
    status: ScorecardStatus | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[ScorecardOut]:
    page = await list_scorecards(
        session,
        actor,
        agent_id=agent_id,
        team_id=team_id,
        since=since,
        until=until,
        below=below,
        status=status,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, ScorecardOut)


@router.get("/sample", summary="This week's review sample: N scorecards per agent")
async def get_sample(
    session: SessionDep,
    actor: ActorDep,
    week_of: Annotated[date | None, Query(description="A day of the week; default today")] = None,
    per_agent: Annotated[int, Query(ge=1, le=50)] = 3,
) -> SampleOut:
    span, cards = await review_sample(session, actor, week_of=week_of, per_agent=per_agent)
    items = [ScorecardOut.model_validate(card) for card in cards]
    return SampleOut(since=span.since, until=span.until, items=items)


@router.get("/trends", summary="Average scores per agent or team, by day or week")
async def get_trends(
    session: SessionDep,
    actor: ActorDep,
    by: Literal["agent", "team"] = "agent",
    bucket: Literal["day", "week"] = "week",
    since: DayQuery = None,
    until: UntilQuery = None,
) -> TrendsOut:
    span, points = await score_trends(
        session, actor, by=by, bucket=bucket, since=since, until=until
    )
    return TrendsOut(
        since=span.since,
        until=span.until,
        points=[PointOut.model_validate(point) for point in points],
    )


@router.get("/{scorecard_id}", summary="Read a scorecard")
async def read_scorecard(
    scorecard_id: IdPath, session: SessionDep, actor: ActorDep
) -> ScorecardOut:
    return ScorecardOut.model_validate(await load_scorecard(session, actor, scorecard_id))


def _changes(criteria: list[CriterionChange] | None) -> list[dict[str, object]] | None:
    return None if criteria is None else [c.model_dump() for c in criteria]


@router.post("/{scorecard_id}/review", summary="Review a scorecard (supervisors)")
async def review_scorecard(
    scorecard_id: IdPath, body: ReviewIn, session: SessionDep, actor: ActorDep
) -> ScorecardOut:
    card = await do_review_scorecard(
        session, actor, scorecard_id, criteria=_changes(body.criteria), comment=body.comment
    )
    await session.commit()
    return ScorecardOut.model_validate(card)


@router.post("/{scorecard_id}/dispute", summary="Dispute one's own scorecard with a comment")
async def dispute_scorecard(
    scorecard_id: IdPath, body: DisputeIn, session: SessionDep, actor: ActorDep
) -> ScorecardOut:
    card = await do_dispute_scorecard(session, actor, scorecard_id, comment=body.comment)
    await session.commit()
    return ScorecardOut.model_validate(card)


@router.post("/{scorecard_id}/decision", summary="Uphold or amend a scorecard (supervisors)")
async def decide_scorecard(
    scorecard_id: IdPath, body: DecisionIn, session: SessionDep, actor: ActorDep
) -> ScorecardOut:
    card = await do_decide_scorecard(
        session,
        actor,
        scorecard_id,
        decision=body.decision,
        comment=body.comment,
        criteria=_changes(body.criteria),
    )
    await session.commit()
    return ScorecardOut.model_validate(card)
