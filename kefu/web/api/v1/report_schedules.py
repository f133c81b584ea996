"""Scheduled e-mail reports: the shop's overview KPIs (and optionally each agent's
figures as CSV) sent daily, weekly or monthly. Read with ``view_reports``; created,
changed and removed by owners and supervisors (``schedule_reports``), never by a key."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.actions.report_schedules import (
    MAX_RECIPIENTS,
    do_create_report_schedule,
    do_delete_report_schedule,
    do_update_report_schedule,
    get_report_schedule,
    list_report_schedules,
)
from kefu.models.reports import ReportFrequency
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
RECIPIENTS_HELP = f"E-mail addresses, 1 to {MAX_RECIPIENTS}"
HOUR_HELP = "Hour of the day it is sent, 0–23, in the shop's time zone"
WEEKDAY_HELP = "Weekly reports only: 0 (Monday) to 6 (Sunday)"
FREQUENCY_HELP = (
    "daily (yesterday), weekly (the 7 days before the weekday) or monthly "
    "(the month before, sent on the 1st)"
)


class ReportScheduleOut(ApiModel):
    id: int
    recipients: list[str]
    frequency: ReportFrequency
    send_hour: int = Field(description=HOUR_HELP)
    weekday: int | None = Field(description=WEEKDAY_HELP)
    attach_leaderboard: bool = Field(description="Each agent's figures attached as CSV")
    active: bool
    created_by_agent_id: int | None
    slot_at: datetime = Field(description="When the report now owed is (or was) due")
    next_due_at: datetime = Field(description="When it is next tried")
    attempts: int = Field(description="Failed attempts at the report now owed")
    last_sent_at: datetime | None
    last_error: str | None
    created_at: datetime


class ReportScheduleIn(ApiModel):
    recipients: list[str] = Field(description=RECIPIENTS_HELP)
    frequency: str = Field(description=FREQUENCY_HELP)
    send_hour: int = Field(8, description=HOUR_HELP)
    weekday: int | None = Field(None, description=WEEKDAY_HELP)
    attach_leaderboard: bool = False
    active: bool = True


class ReportSchedulePatch(ApiModel):
    """Only the fields sent are changed."""

    recipients: list[str] | None = Field(None, description=RECIPIENTS_HELP)
    frequency: str | None = Field(None, description=FREQUENCY_HELP)
    send_hour: int | None = Field(None, description=HOUR_HELP)
    weekday: int | None = Field(None, description=WEEKDAY_HELP)
    attach_leaderboard: bool | None = None
    active: bool | None = None


@router.get("/reports/schedules", summary="List the shop's scheduled e-mail reports")
async def get_report_schedules(session: SessionDep, actor: ActorDep) -> list[ReportScheduleOut]:
    schedules = await list_report_schedules(session, actor)
    return [ReportScheduleOut.model_validate(s) for s in schedules]


@router.post("/reports/schedules", status_code=201, summary="Schedule an e-mail report")
async def create_report_schedule(
    body: ReportScheduleIn, session: SessionDep, actor: ActorDep
) -> ReportScheduleOut:
    schedule = await do_create_report_schedule(session, actor, **body.model_dump())
    await session.commit()
    return ReportScheduleOut.model_validate(schedule)


@router.get("/reports/schedules/{schedule_id}", summary="Read one scheduled report")
async def read_report_schedule(
    schedule_id: IdPath, session: SessionDep, actor: ActorDep
) -> ReportScheduleOut:
    return ReportScheduleOut.model_validate(await get_report_schedule(session, actor, schedule_id))


@router.patch("/reports/schedules/{schedule_id}", summary="Change a scheduled report")
async def update_report_schedule(
    schedule_id: IdPath, body: ReportSchedulePatch, session: SessionDep, actor: ActorDep
) -> ReportScheduleOut:
    changes = body.model_dump(exclude_unset=True)
    schedule = await do_update_report_schedule(session, actor, schedule_id, **changes)
    await session.commit()
    return ReportScheduleOut.model_validate(schedule)


@router.delete(
    "/reports/schedules/{schedule_id}", status_code=204, summary="Remove a scheduled report"
)
async def delete_report_schedule(
    schedule_id: IdPath, session: SessionDep, actor: ActorDep
) -> Response:
    await do_delete_report_schedule(session, actor, schedule_id)
    await session.commit()
    return Response(status_code=204)
