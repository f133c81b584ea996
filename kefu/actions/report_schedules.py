"""Scheduled e-mail reports: owners and supervisors (``SCHEDULE_REPORTS``) set who gets
the shop's overview, how often and at what hour; anyone who may see the shop's reports
(``VIEW_REPORTS``) may read the schedules. Sending is ``kefu.worker.report_mail``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import delete_owned, record_audit, snapshot
from kefu.actions.checks import check_known, choice, clean_email
from kefu.errors import Invalid
from kefu.lib.report_calendar import next_send
from kefu.models import Shop
from kefu.models.base import utcnow
from kefu.models.reports import ReportFrequency, ReportSchedule
from kefu.queries.access import fetch_owned
from kefu.reports.periods import shop_zone

MAX_RECIPIENTS = 20
TIMING = ("frequency", "send_hour", "weekday")
CHANGEABLE = (*TIMING, "recipients", "attach_leaderboard", "active")


def _recipients(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid("give at least one recipient's e-mail address", field="recipients")
    if len(value) > MAX_RECIPIENTS:
        raise Invalid(f"a report goes to at most {MAX_RECIPIENTS} recipients", field="recipients")
    cleaned = [clean_email(v, "recipients") for v in value]
    return list(dict.fromkeys(cleaned))


def _hour(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise Invalid("send_hour must be a whole hour from 0 to 23", field="send_hour")
    return value


def _weekday(frequency: ReportFrequency, value: Any) -> int | None:
    """The weekday of a weekly report (0 = Monday … 6 = Sunday); none for the others."""
    if frequency != ReportFrequency.WEEKLY:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise Invalid("a weekly report needs weekday: 0 (Monday) to 6 (Sunday)", field="weekday")
    return value


async def _reschedule(session: AsyncSession, schedule: ReportSchedule, now: datetime) -> None:
    """Owe the report of the next send moment from now on, with a clean slate."""
    zone = shop_zone(await session.scalar(select(Shop.timezone).where(Shop.id == schedule.shop_id)))
    schedule.slot_at = next_send(
        schedule.frequency.value, schedule.send_hour, schedule.weekday, zone, now
    )
    schedule.next_due_at = schedule.slot_at
    schedule.attempts = 0
    schedule.last_error = None


async def list_report_schedules(session: AsyncSession, actor: Actor) -> Sequence[ReportSchedule]:
    actor.require(Permission.VIEW_REPORTS)
    query = select(ReportSchedule).where(ReportSchedule.shop_id == actor.shop_id)
    return (await session.scalars(query.order_by(ReportSchedule.id))).all()


async def get_report_schedule(
    session: AsyncSession, actor: Actor, schedule_id: int
) -> ReportSchedule:
    return await fetch_owned(
        session,
        actor,
        ReportSchedule,
        schedule_id,
        "report schedule",
        permission=Permission.VIEW_REPORTS,
    )


async def do_create_report_schedule(
    session: AsyncSession,
    actor: Actor,
    *,
    recipients: Any,
    frequency: Any,
    send_hour: Any = 8,
    weekday: Any = None,
    attach_leaderboard: bool = False,
    active: bool = True,
) -> ReportSchedule:
    """A new schedule; its first report goes out at the next send moment."""
    actor.require(Permission.SCHEDULE_REPORTS)
    chosen = choice(ReportFrequency, frequency, "frequency")
    schedule = ReportSchedule(
        shop_id=actor.shop_id,
        created_by_agent_id=actor.id if actor.kind == "agent" else None,
        recipients=_recipients(recipients),
        frequency=chosen,
        send_hour=_hour(send_hour),
        weekday=_weekday(chosen, weekday),
        attach_leaderboard=bool(attach_leaderboard),
        active=bool(active),
    )
    await _reschedule(session, schedule, utcnow())
    session.add(schedule)
    await session.flush()
    record_audit(
        session,
        actor,
        "report_schedule.create",
        "report_schedule",
        schedule.id,
        after=snapshot(schedule),
    )
    return schedule


async def do_update_report_schedule(
    session: AsyncSession, actor: Actor, schedule_id: int, **changes: Any
) -> ReportSchedule:
    """Change the fields given. New timing, or switching a paused schedule back on,
    starts again from the next send moment (a paused week is not sent late)."""
    check_known(changes, CHANGEABLE)
    schedule = await fetch_owned(
        session,
        actor,
        ReportSchedule,
        schedule_id,
        "report schedule",
        permission=Permission.SCHEDULE_REPORTS,
    )
    before = snapshot(schedule)
    if changes.get("recipients") is not None:
        schedule.recipients = _recipients(changes["recipients"])
    if changes.get("frequency") is not None:
        schedule.frequency = choice(ReportFrequency, changes["frequency"], "frequency")
    if changes.get("send_hour") is not None:
        schedule.send_hour = _hour(changes["send_hour"])
    schedule.weekday = _weekday(schedule.frequency, changes.get("weekday", schedule.weekday))
    if changes.get("attach_leaderboard") is not None:
        schedule.attach_leaderboard = bool(changes["attach_leaderboard"])
    resumed = changes.get("active") is True and not schedule.active
    if changes.get("active") is not None:
        schedule.active = bool(changes["active"])
    after = snapshot(schedule)
    if resumed or any(before[k] != after[k] for k in TIMING):
        await _reschedule(session, schedule, utcnow())
    await session.flush()
    record_audit(
        session,
        actor,
        "report_schedule.update",
        "report_schedule",
        schedule.id,
        before=before,
        after=snapshot(schedule),
    )
    return schedule


async def do_delete_report_schedule(session: AsyncSession, actor: Actor, schedule_id: int) -> None:
    await delete_owned(
        session,
        actor,
        ReportSchedule,
        schedule_id,
        "report_schedule",
        permission=Permission.SCHEDULE_REPORTS,
        what="report schedule",
    )
