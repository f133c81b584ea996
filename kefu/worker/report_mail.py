"""Sending the scheduled reports that are due (at every poll of the worker).

A worker claims a due schedule by moving its ``next_due_at`` from the value it read to
the end of a lease (compare-and-swap): of two workers that read the same row, exactly one
update matches, so a report is sent once. The outcome is written under the same guard:
sent → the next send moment; failed → ``last_error`` and a retry after a back-off
(``KEFU_REPORT_RETRY_BASE_SECONDS`` doubled per failure, at most an hour) — the report
of that period stays owed until it goes out. A worker that dies mid-send leaves the
lease to run out, and the report is tried again (a recipient may then get it twice)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.channels.email.outbound import MailFailed, compose_mail, mail_configured, send_mail
from kefu.lib.report_calendar import next_send
from kefu.metrics import JOB_ATTEMPTS
from kefu.models import Shop
from kefu.models.base import utcnow
from kefu.models.reports import ReportSchedule
from kefu.reports.digest import build_digest
from kefu.reports.periods import shop_zone
from kefu.settings import Settings
from kefu.web.report_mail import render_report_mail
from kefu.worker.due import take_turn

log = logging.getLogger(__name__)
BATCH = 20
MAX_RETRY_SECONDS = 3600.0
MAX_ERROR = 500


async def _due(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> list[tuple[int, datetime]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ReportSchedule.id, ReportSchedule.next_due_at)
            .where(ReportSchedule.active.is_(True), ReportSchedule.next_due_at <= now)
            .order_by(ReportSchedule.next_due_at)
            .limit(BATCH)
        )
        return [(schedule_id, due_at) for schedule_id, due_at in rows.all()]


async def claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    schedule_id: int,
    seen: datetime,
    until: datetime,
) -> bool:
    """The compare-and-swap: True if this worker moved ``next_due_at`` from ``seen``."""
    return await take_turn(sessionmaker, ReportSchedule.next_due_at, schedule_id, seen, until)


async def _message(session: AsyncSession, schedule: ReportSchedule) -> EmailMessage:
    digest = await build_digest(session, schedule)
    currency = await session.scalar(select(Shop.currency).where(Shop.id == schedule.shop_id))
    mail = render_report_mail(digest, currency or "CNY")
    attachments = [(mail.attachment_name, "text/csv", mail.attachment)] if mail.attachment else []
    return compose_mail(
        to=schedule.recipients,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        attachments=attachments,
    )


async def _send_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    schedule_id: int,
    lease_until: datetime,
) -> bool:
    """Build and send one claimed report, with no transaction open while the SMTP server
    answers; then record the outcome if the row is still ours (an edit meanwhile wins)."""
    error: str | None
    async with sessionmaker() as session:
        schedule = await session.get_one(ReportSchedule, schedule_id)
        zone = shop_zone(
            await session.scalar(select(Shop.timezone).where(Shop.id == schedule.shop_id))
        )
        try:
            message = await _message(session, schedule)
        except Exception as exc:  # a report that cannot be built is retried, not lost
            log.exception("report schedule %s: could not build the report", schedule_id)
            message, error = None, f"could not build the report: {type(exc).__name__}"
        await session.commit()
    sent = False
    if message is not None:
        try:
            refused = await send_mail(settings, message)
            sent = True
            error = f"refused by the server: {', '.join(refused)}" if refused else None
        except MailFailed as exc:
            error = str(exc)
            log.warning("report schedule %s: sending failed: %s", schedule_id, error)
    now = utcnow()
    if sent:
        slot = next_send(schedule.frequency.value, schedule.send_hour, schedule.weekday, zone, now)
        values = {
            "slot_at": slot,
            "next_due_at": slot,
            "attempts": 0,
            "last_sent_at": now,
            "last_error": error,
        }
    else:
        wait = settings.report_retry_base_seconds * 2**schedule.attempts
        values = {
            "next_due_at": now + timedelta(seconds=min(wait, MAX_RETRY_SECONDS)),
            "attempts": schedule.attempts + 1,
            "last_error": (error or "")[:MAX_ERROR],
        }
    async with sessionmaker() as session:
        await session.execute(
            update(ReportSchedule)
            .where(ReportSchedule.id == schedule_id, ReportSchedule.next_due_at == lease_until)
            .values(**values)
        )
        await session.commit()
    JOB_ATTEMPTS.labels("report_mail", "sent" if sent else "retry").inc()
    return sent


async def send_due_reports(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> int:
    """Claim and send every report due at ``now``; returns how many went out. Without
    an SMTP server configured nothing is claimed: the reports wait for one."""
    if not mail_configured(settings):
        return 0
    lease_until = now + timedelta(seconds=settings.worker_lease_seconds)
    sent = 0
    for schedule_id, seen in await _due(sessionmaker, now):
        if await claim(sessionmaker, schedule_id, seen, lease_until):
            sent += await _send_one(sessionmaker, settings, schedule_id, lease_until)
    return sent
