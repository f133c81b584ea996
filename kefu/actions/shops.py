"""A shop's own settings: profile, weekly business hours and holidays (owners only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import delete_owned, publish_on_commit, record_audit, snapshot
from kefu.actions.checks import check_known, clean_email, clean_locale, clean_text
from kefu.errors import Conflict, Invalid
from kefu.events import ShopSettingsChanged
from kefu.lib.business_hours import HoursError, validate_day_hours, validate_hours, zone
from kefu.models import Holiday, Shop
from kefu.queries.shops import get_shop

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _name(value: Any) -> str:
    return clean_text(value, "name", "shop name", 200)


def _timezone(value: Any) -> str:
    try:
        zone(str(value))
    except ValueError as exc:
        raise Invalid(str(exc), field="timezone") from exc
    return str(value)


def _currency(value: Any) -> str:
    value = str(value).strip().upper()
    if not _CURRENCY.match(value):
        raise Invalid("currency must be a three-letter code such as CNY", field="currency")
    return value


def _contact_email(value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    return clean_email(value, "contact_email")


RETENTION_DAYS = (30, 3650)


def _retention(value: Any) -> int:
    """0 (keep for ever) or a number of days a closed conversation is kept."""
    days = int(value)
    if days != 0 and not RETENTION_DAYS[0] <= days <= RETENTION_DAYS[1]:
        low, high = RETENTION_DAYS
        raise Invalid(
            f"keep conversations {low} to {high} days, or 0 for ever",
            field="conversation_retention_days",
        )
    return days


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise Invalid("give the day as YYYY-MM-DD", field="day") from exc


PROFILE_FIELDS: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "timezone": _timezone,
    "locale": clean_locale,
    "currency": _currency,
    "contact_email": _contact_email,
    "conversation_retention_days": _retention,
}


async def _own_shop(session: AsyncSession, actor: Actor) -> Shop:
    actor.require(Permission.MANAGE_SHOP)
    return await get_shop(session, actor)


def _announce(session: AsyncSession, actor: Actor, what: str) -> None:
    publish_on_commit(
        session,
        ShopSettingsChanged(actor.shop_id, {"changed": what}, frozenset({f"shop:{actor.shop_id}"})),
    )


async def update_shop(
    session: AsyncSession, actor: Actor, action: str, what: str, values: dict[str, Any]
) -> Shop:
    """Set ``values`` on the actor's shop (owners), audited as ``action`` and announced as
    ``shop.settings_changed`` with ``changed=what`` when anything changed."""
    shop = await _own_shop(session, actor)
    before = snapshot(shop)
    for key, value in values.items():
        setattr(shop, key, value)
    after = snapshot(shop)
    if after != before:
        await session.flush()
        record_audit(session, actor, action, "shop", shop.id, before=before, after=snapshot(shop))
        _announce(session, actor, what)
    return shop


async def do_update_shop_profile(session: AsyncSession, actor: Actor, **fields: Any) -> Shop:
    """Change the shop's name, time zone, language, currency, contact e-mail or how long
    closed conversations are kept."""
    check_known(fields, PROFILE_FIELDS)
    actor.require(Permission.MANAGE_SHOP)
    values = {key: PROFILE_FIELDS[key](value) for key, value in fields.items()}
    return await update_shop(session, actor, "shop.update", "profile", values)


async def do_set_business_hours(session: AsyncSession, actor: Actor, hours: dict[str, Any]) -> Shop:
    """Replace the weekly opening hours (in the shop's time zone)."""
    actor.require(Permission.MANAGE_SHOP)
    try:
        clean = validate_hours(hours)
    except HoursError as exc:
        field = f"hours.{exc.day}" if exc.day else "hours"
        raise Invalid(str(exc), field=field) from exc
    return await update_shop(
        session, actor, "shop.set_business_hours", "business_hours", {"business_hours": clean}
    )


def _exception_hours(value: Any) -> list[list[str]] | None:
    if value is None:
        return None
    try:
        hours = validate_day_hours(value)
    except HoursError as exc:
        raise Invalid(str(exc), field="hours") from exc
    if not hours:
        raise Invalid("a make-up working day needs its opening hours", field="hours")
    return hours


async def do_add_holiday(
    session: AsyncSession,
    actor: Actor,
    *,
    day: date | str,
    name: str,
    hours: list[list[str]] | None = None,
) -> Holiday:
    """Close the shop all day on ``day`` (a local date), e.g. 国庆节; or, with ``hours``,
    open it those hours instead of the weekly ones (a make-up working day, 调休上班)."""
    actor.require(Permission.MANAGE_SHOP)
    day = _day(day)
    name = clean_text(name, "name", "holiday name")
    checked = _exception_hours(hours)
    taken = await session.scalar(
        select(Holiday.id).where(Holiday.shop_id == actor.shop_id, Holiday.day == day)
    )
    if taken is not None:
        raise Conflict(f"{day.isoformat()} is already a holiday", field="day")
    holiday = Holiday(shop_id=actor.shop_id, day=day, name=name, hours=checked)
    session.add(holiday)
    await session.flush()
    record_audit(session, actor, "holiday.create", "holiday", holiday.id, after=snapshot(holiday))
    _announce(session, actor, "holidays")
    return holiday


async def do_remove_holiday(session: AsyncSession, actor: Actor, holiday_id: int) -> None:
    await delete_owned(
        session, actor, Holiday, holiday_id, "holiday", permission=Permission.MANAGE_SHOP
    )
    _announce(session, actor, "holidays")
