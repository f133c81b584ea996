"""Coaching notes on scorecards (docs/quality.md#coaching): a supervisor writes one for the
agent a scorecard scores; agents list and acknowledge their own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.actions.coaching import (
    MAX_NOTE,
    MAX_REPLY,
    do_acknowledge_coaching,
    do_write_coaching,
)
from kefu.queries.coaching import list_coaching
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

router = APIRouter(prefix="/quality", tags=["quality"], responses=ERROR_RESPONSES)


class CoachingNoteOut(ApiModel):
    id: int
    scorecard_id: int
    agent_id: int = Field(description="The agent coached: the one the scorecard scores")
    author_id: int | None = Field(description="The supervisor who wrote it")
    body: str
    focus: list[str] = Field(description="Criterion keys and finding codes the note is about")
    created_at: datetime
    acknowledged_at: datetime | None = Field(description="When the agent acknowledged it")
    reply: str | None = Field(description="The agent's answer, if they gave one")


class CoachingIn(ApiModel):
    body: str = Field(
        min_length=1, max_length=MAX_NOTE, examples=["开场先问候，再回答问题；结束时邀请评价。"]
    )
    focus: list[str] | None = Field(
        None,
        max_length=14,
        description="Criterion keys of the scorecard and finding codes",
        examples=[["greeting", "contempt"]],
    )


class AcknowledgeIn(ApiModel):
    reply: str | None = Field(None, max_length=MAX_REPLY, examples=["收到，下次注意问候语"])


@router.post(
    "/scorecards/{scorecard_id}/coaching",
    status_code=201,
    summary="Write a coaching note on a scorecard (supervisors)",
)
async def write_coaching(
    scorecard_id: IdPath, body: CoachingIn, session: SessionDep, actor: ActorDep
) -> CoachingNoteOut:
    note = await do_write_coaching(session, actor, scorecard_id, body=body.body, focus=body.focus)
    await session.commit()
    return CoachingNoteOut.model_validate(note)


@router.get("/coaching", summary="Coaching notes: an agent's own, or every agent's for supervisors")
async def get_coaching(
    session: SessionDep,
    actor: ActorDep,
    agent_id: Annotated[RowId | None, Query()] = None,
    scorecard_id: Annotated[RowId | None, Query()] = None,
    unacknowledged: Annotated[bool, Query(description="Only notes not yet acknowledged")] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[CoachingNoteOut]:
    page = await list_coaching(
        session,
        actor,
        agent_id=agent_id,
        scorecard_id=scorecard_id,
        unacknowledged=unacknowledged,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, CoachingNoteOut)


@router.post(
    "/coaching/{note_id}/acknowledge", summary="Acknowledge one's coaching note (the agent)"
)
async def acknowledge_coaching(
    note_id: IdPath, body: AcknowledgeIn, session: SessionDep, actor: ActorDep
) -> CoachingNoteOut:
    note = await do_acknowledge_coaching(session, actor, note_id, reply=body.reply)
    await session.commit()
    return CoachingNoteOut.model_validate(note)
