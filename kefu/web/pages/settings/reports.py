"""Settings: scheduled reports (owners and supervisors). Who gets the shop's overview by
e-mail, how often and at what hour; switch one off and on, or delete it. What was last
sent, and why the last try failed, is shown beside each."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.report_schedules import (
    do_create_report_schedule,
    do_delete_report_schedule,
    do_update_report_schedule,
    list_report_schedules,
)
from kefu.models.reports import ReportFrequency
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.labels import WEEKDAYS as DAYS
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, checked, errors_of, text, whole_number

router = APIRouter(include_in_schema=False)

HOME = "/settings/reports"
FREQUENCY_NAMES = {
    ReportFrequency.DAILY: N_("Daily (the day before)"),
    ReportFrequency.WEEKLY: N_("Weekly (the 7 days before)"),
    ReportFrequency.MONTHLY: N_("Monthly, on the 1st (the month before)"),
}
WEEKDAYS = tuple(name for _key, name in DAYS)
MSG_CREATED = N_("Report scheduled; the first one goes out at the next send hour.")
MSG_DELETED = N_("Scheduled report deleted.")
MSG_SWITCHED_ON = N_("Scheduled report switched on.")
MSG_SWITCHED_OFF = N_("Scheduled report switched off; nothing is sent until it is on again.")
_SEPARATORS = re.compile(r"[\s,;，；]+")


async def _page(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page.actor.require(Permission.SCHEDULE_REPORTS)
    context = {
        "schedules": await list_report_schedules(session, page.actor),
        "frequencies": FREQUENCY_NAMES,
        "weekdays": WEEKDAYS,
        "weekday_options": list(enumerate(WEEKDAYS)),
        "hours": [(hour, f"{hour:02d}:00") for hour in range(24)],
        "values": values or {"frequency": "daily", "send_hour": 8, "weekday": 0},
        "errors": errors or {},
    }
    return render(request, "settings/reports.html", context, status_code=status)


@router.get(HOME)
async def reports_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _page(request, session, page)


@router.post(HOME)
async def report_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        "recipients": text(form, "recipients"),
        "frequency": text(form, "frequency"),
        "send_hour": text(form, "send_hour"),
        "weekday": text(form, "weekday"),
        "attach_leaderboard": checked(form, "attach_leaderboard"),
    }
    try:
        await do_create_report_schedule(
            session,
            page.actor,
            recipients=[r for r in _SEPARATORS.split(values["recipients"]) if r],
            frequency=values["frequency"],
            send_hour=whole_number(values["send_hour"] or "8", "send_hour"),
            weekday=whole_number(values["weekday"] or "0", "weekday"),
            attach_leaderboard=values["attach_leaderboard"],
        )
    except FormError as exc:
        errors = errors_of(exc, "recipients")
        return await _page(request, session, page, values=values, errors=errors, status=422)
    await session.commit()
    return redirect(HOME, flash=MSG_CREATED, request=request)


@router.post(HOME + "/{schedule_id}/active")
async def report_switch(
    request: Request, session: SessionDep, page: PageDep, schedule_id: IdPath
) -> Response:
    active = text(await request.form(), "active") == "true"
    await do_update_report_schedule(session, page.actor, schedule_id, active=active)
    await session.commit()
    return redirect(HOME, flash=MSG_SWITCHED_ON if active else MSG_SWITCHED_OFF, request=request)


@router.post(HOME + "/{schedule_id}/delete")
async def report_delete(
    request: Request, session: SessionDep, page: PageDep, schedule_id: IdPath
) -> Response:
    await do_delete_report_schedule(session, page.actor, schedule_id)
    await session.commit()
    return redirect(HOME, flash=MSG_DELETED, request=request)
