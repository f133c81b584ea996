"""Settings: the shop's profile, weekly business hours and holidays (owners)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.shops import (
    do_add_holiday,
    do_remove_holiday,
    do_set_business_hours,
    do_update_shop_profile,
)
from kefu.queries.shops import get_shop, list_holidays
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.labels import WEEKDAYS
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text

router = APIRouter(include_in_schema=False)

PROFILE_FIELDS = ("name", "timezone", "locale", "currency", "contact_email")
COMMON_TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "America/Los_Angeles",
    "UTC",
)
MSG_PROFILE_SAVED = N_("Shop profile saved.")
MSG_HOURS_SAVED = N_("Business hours saved.")
MSG_HOLIDAY_ADDED = N_("Holiday added.")
MSG_HOLIDAY_REMOVED = N_("Holiday removed.")


def _profile(
    request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    return render(
        request,
        "settings/shop.html",
        {"values": values, "errors": errors, "timezones": COMMON_TIMEZONES},
        status_code=status,
    )


@router.get("/settings/shop")
async def profile_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, page.actor)
    return _profile(request, {f: getattr(shop, f) for f in PROFILE_FIELDS}, {})


@router.post("/settings/shop")
async def profile_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    values = {f: text(form, f) for f in PROFILE_FIELDS}
    try:
        await do_update_shop_profile(session, page.actor, **values)
    except FormError as exc:
        return _profile(request, values, errors_of(exc, "name"), 422)
    await session.commit()
    return redirect("/settings/shop", flash=MSG_PROFILE_SAVED, request=request)


async def _hours(
    request: Request,
    session: SessionDep,
    page: Page,
    hours: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    holidays = await list_holidays(session, page.actor)
    return render(
        request,
        "settings/hours.html",
        {"hours": hours, "weekdays": WEEKDAYS, "holidays": holidays, "errors": errors},
        status_code=status,
    )


@router.get("/settings/hours")
async def hours_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, page.actor)
    return await _hours(request, session, page, shop.business_hours, {})


def _hours_of(form: Any) -> dict[str, list[list[str]]]:
    """Weekly hours from the form: for each open day, its start and end times in pairs."""
    hours: dict[str, list[list[str]]] = {}
    for day, _name in WEEKDAYS:
        starts, ends = form.getlist(f"{day}_start"), form.getlist(f"{day}_end")
        open_day = text(form, f"{day}_open") == "on"
        pairs = [[s.strip(), e.strip()] for s, e in zip(starts, ends, strict=False) if s or e]
        hours[day] = pairs if open_day else []
    return hours


@router.post("/settings/hours")
async def hours_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    hours = _hours_of(await request.form())
    try:
        await do_set_business_hours(session, page.actor, hours)
    except FormError as exc:
        return await _hours(request, session, page, hours, errors_of(exc, "hours"), 422)
    await session.commit()
    return redirect("/settings/hours", flash=MSG_HOURS_SAVED, request=request)


@router.post("/settings/hours/holidays")
async def holiday_add(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    try:
        await do_add_holiday(
            session, page.actor, day=text(form, "day"), name=text(form, "holiday_name")
        )
    except FormError as exc:
        shop = await get_shop(session, page.actor)
        errors = errors_of(exc, "day", renamed={"name": "holiday_name"})
        return await _hours(request, session, page, shop.business_hours, errors, 422)
    await session.commit()
    return redirect("/settings/hours", flash=MSG_HOLIDAY_ADDED, request=request)


@router.post("/settings/hours/holidays/{holiday_id}/delete")
async def holiday_remove(
    request: Request, session: SessionDep, page: PageDep, holiday_id: IdPath
) -> Response:
    await do_remove_holiday(session, page.actor, holiday_id)
    await session.commit()
    return redirect("/settings/hours", flash=MSG_HOLIDAY_REMOVED, request=request)
