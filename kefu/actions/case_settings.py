"""The shop's case settings (owners): custom-field schemas per case type, compensation
limits per agent level, the return window, follow-up hours, progress mails and the
proactive rules. Each is checked before it is stored, and every change is audited and
announced, so open workspaces pick it up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit
from kefu.actions.cases import announce
from kefu.actions.checks import check_known, choice
from kefu.actions.proactive_settings import checked_rules
from kefu.errors import Invalid
from kefu.events import ShopSettingsChanged
from kefu.lib.cases import (
    MAX_FOLLOW_UP_HOURS,
    MAX_RETURN_WINDOW_DAYS,
    CaseType,
    CompensationKind,
    case_settings,
    schema_problem,
)
from kefu.models import Level
from kefu.queries.shops import get_shop

MAX_LIMIT_CENTS = 10**12


def _schemas(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid("custom_fields must map case types to JSON schemas", field="custom_fields")
    cleaned = {}
    for key, schema in value.items():
        kind = choice(CaseType, key, "custom_fields")
        problem = schema_problem(schema)
        if problem:
            raise Invalid(f"custom_fields.{kind.value}: {problem}", field=f"custom_fields.{key}")
        cleaned[kind.value] = schema
    return cleaned


def _limits(value: Any) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict):
        raise Invalid("limits must map agent levels to amounts per kind", field="limits")
    cleaned: dict[str, dict[str, int]] = {}
    for level, kinds in value.items():
        choice(Level, level, "limits")
        if not isinstance(kinds, dict):
            raise Invalid(f"limits.{level} must map kinds to cents", field=f"limits.{level}")
        for kind, cents in kinds.items():
            choice(CompensationKind, kind, f"limits.{level}")
            if isinstance(cents, bool) or not isinstance(cents, int):
                raise Invalid(f"limits.{level}.{kind} must be cents", field=f"limits.{level}")
            if not 0 <= cents <= MAX_LIMIT_CENTS:
                raise Invalid(
                    f"limits.{level}.{kind} must be 0 to {MAX_LIMIT_CENTS} cents",
                    field=f"limits.{level}",
                )
        cleaned[str(level)] = {str(k): v for k, v in kinds.items()}
    return cleaned


def _count(field: str, unit: str, low: int, high: int) -> Callable[[Any], int]:
    """The check of a setting that is a whole number of ``unit`` from ``low`` to ``high``
    (a JSON true is not 1)."""

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{field} must be a number of {unit}", field=field)
        if not low <= value <= high:
            raise Invalid(f"{field} must be {low} to {high}", field=field)
        return value

    return check


def _progress_mail(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("progress_mail must be true or false", field="progress_mail")
    return value


SETTING_CHECKS = {
    "custom_fields": _schemas,
    "limits": _limits,
    "return_window_days": _count("return_window_days", "days", 0, MAX_RETURN_WINDOW_DAYS),
    "proactive": checked_rules,
    "follow_up_hours": _count("follow_up_hours", "hours", 1, MAX_FOLLOW_UP_HOURS),
    "progress_mail": _progress_mail,
}


async def do_update_case_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, Any]:
    """Replace the shop's custom-field schemas (per case type), the compensation limits
    (per agent level), the shoppers' return window, the follow-up hours and/or whether
    shoppers get case progress by mail; change the
    proactive rules (each rule's fields sent are changed, the others kept); returns the
    complete settings."""
    actor.require(Permission.MANAGE_SHOP)
    check_known(changes, SETTING_CHECKS)
    shop = await get_shop(session, actor)
    before = dict(shop.case_settings)
    after = before | {key: SETTING_CHECKS[key](value) for key, value in changes.items()}
    if "proactive" in changes:
        kept = before.get("proactive", {})
        after["proactive"] = kept | {
            rule: kept.get(rule, {}) | change for rule, change in after["proactive"].items()
        }
    if after != before:
        shop.case_settings = after
        await session.flush()
        record_audit(
            session,
            actor,
            "shop.update_case_settings",
            "shop",
            shop.id,
            before={"case_settings": before},
            after={"case_settings": after},
        )
        await announce(session, ShopSettingsChanged, actor.shop_id, changed="cases")
    return case_settings(after)
