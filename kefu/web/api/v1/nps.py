"""NPS: answers to the 0–10 "would you recommend us" question — from the chat widget
after a rating, or posted by the shop's integration — and the score per month."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from kefu.crm.nps import MAX_COMMENT, MAX_MONTHS, Nps, do_answer_nps, do_record_nps, nps_by_month
from kefu.models import NpsAnswer
from kefu.models.base import utcnow
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath, RowId
from kefu.web.deps import ActorDep, SessionDep, VisitorDep
from kefu.web.ratelimits import limit_widget

router = APIRouter(tags=["crm"], responses=ERROR_RESPONSES)


class NpsIn(ApiModel):
    score: int = Field(
        strict=True, description="0 (not at all likely) to 10 (extremely likely)", examples=[9]
    )
    comment: str | None = Field(None, max_length=MAX_COMMENT, examples=["客服很耐心，会推荐给朋友"])


class NpsRecordIn(NpsIn):
    customer_id: RowId | None = Field(None, description="The customer who answered, if known")


class NpsAnswerOut(ApiModel):
    id: int
    score: int
    comment: str | None
    customer_id: int | None
    conversation_id: int | None
    source: str = Field(description="widget or api")
    answered_at: datetime


class NpsOut(ApiModel):
    answers: int
    promoters: int = Field(description="Answers of 9 or 10")
    passives: int = Field(description="Answers of 7 or 8")
    detractors: int = Field(description="Answers of 0 to 6")
    nps: float | None = Field(description="% promoters − % detractors; null without answers")

    @classmethod
    def of(cls, figure: Nps) -> NpsOut:
        return cls(
            answers=figure.answers,
            promoters=figure.promoters,
            passives=figure.passives,
            detractors=figure.detractors,
            nps=figure.score,
        )


class NpsMonthOut(NpsOut):
    month: date = Field(description="The first day of the month (shop time)")


class NpsReportOut(ApiModel):
    months: list[NpsMonthOut]
    total: NpsOut


def _out(answer: NpsAnswer) -> NpsAnswerOut:
    return NpsAnswerOut.model_validate(answer)


@router.get("/nps", summary="NPS per calendar month, and over those months")
async def get_nps(
    session: SessionDep,
    actor: ActorDep,
    months: Annotated[
        int, Query(ge=1, le=MAX_MONTHS, description="How many months, this one included")
    ] = 6,
) -> NpsReportOut:
    report = await nps_by_month(session, actor, utcnow(), months)
    return NpsReportOut(
        months=[
            NpsMonthOut(month=first, **NpsOut.of(f).model_dump()) for first, f in report.months
        ],
        total=NpsOut.of(report.total),
    )


@router.post(
    "/nps/answers",
    status_code=201,
    summary="Record an answer collected elsewhere",
    description="For answers to an NPS question sent by SMS or marketplace IM (a journey step).",
)
async def record_nps(body: NpsRecordIn, session: SessionDep, actor: ActorDep) -> NpsAnswerOut:
    answer = await do_record_nps(session, actor, utcnow(), **body.model_dump())
    await session.commit()
    return _out(answer)


@router.post(
    "/widget/conversations/{conversation_id}/nps",
    status_code=201,
    summary="Answer the recommend-us question after rating the conversation (once)",
    dependencies=[Depends(limit_widget)],  # the widget's own limits, like its other routes
)
async def answer_nps(
    conversation_id: IdPath, body: NpsIn, session: SessionDep, visitor: VisitorDep
) -> NpsAnswerOut:
    answer = await do_answer_nps(session, visitor, conversation_id, utcnow(), **body.model_dump())
    await session.commit()
    return _out(answer)
