"""A shop's customer-relationship settings: RFM thresholds, the frequency cap, quiet hours
and the conversion window of campaigns. Stored in ``Shop.crm_settings``; what the shop has
not set takes the defaults below (the seeds: 2–3 touches a month at most)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit
from kefu.crm.segments import Thresholds
from kefu.crm.tag_rules import apply_tag_rules, validated_rules
from kefu.errors import Invalid
from kefu.queries.shops import get_shop

DEFAULTS: dict[str, Any] = {
    "rfm_thresholds": None,  # None: quintiles for all three measures
    "frequency_cap": 3,  # campaign messages per customer per calendar month, all campaigns
    "quiet_hours": ["22:00", "08:00"],  # shop time; sends are deferred to the end
    "conversion_days": 7,  # an order within this many days of a message converts
    "tag_rules": [],  # kefu.crm.tag_rules: tags given to the customers meeting conditions
}
THRESHOLD_EXAMPLES = {
    "recency_days": "[365, 180, 90, 30]",
    "frequency": "[2, 3, 5, 8]",
    "monetary_cents": "[10000, 30000, 80000, 200000]",
}
MAX_CAP = 31
MAX_CONVERSION_DAYS = 90
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def crm_settings(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The settings in force: what the shop set over the defaults."""
    return DEFAULTS | (stored or {})


def thresholds_of(settings: dict[str, Any]) -> Thresholds | None:
    given = settings.get("rfm_thresholds")
    return Thresholds(**given) if given else None


def _cuts(name: str, value: Any) -> list[int] | None:
    """Four whole numbers, strictly falling for recency and rising for the others."""
    if value is None:
        return None
    falling = name == "recency_days"
    order = "largest first" if falling else "smallest first"
    message = (
        f"{name} thresholds must be 4 whole numbers of 0 or more, {order}, "
        f"such as {THRESHOLD_EXAMPLES[name]}"
    )
    if not isinstance(value, list) or len(value) != 4:
        raise Invalid(message, field=f"rfm_thresholds.{name}")
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value):
        raise Invalid(message, field=f"rfm_thresholds.{name}")
    if not all(a > b if falling else a < b for a, b in pairwise(value)):
        raise Invalid(message, field=f"rfm_thresholds.{name}")
    return value


def _thresholds(value: Any) -> dict[str, list[int]] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(THRESHOLD_EXAMPLES):
        raise Invalid(
            "rfm_thresholds may set recency_days, frequency and monetary_cents",
            field="rfm_thresholds",
        )
    cuts = {name: _cuts(name, value.get(name)) for name in THRESHOLD_EXAMPLES}
    kept = {name: given for name, given in cuts.items() if given is not None}
    return kept or None


def whole_in_range(name: str, value: Any, low: int, high: int) -> int:
    """``value`` if it is a whole number from ``low`` to ``high`` (a JSON true is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def _quiet_hours(value: Any) -> list[str] | None:
    """``["22:00", "08:00"]`` (may wrap past midnight), or None for no quiet hours."""
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, str) and _CLOCK.match(v) for v in value)
        or value[0] == value[1]
    ):
        raise Invalid(
            'quiet_hours must be two different times like ["22:00", "08:00"], or null',
            field="quiet_hours",
        )
    return list(value)


def validated_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes a shop asked for, checked; unknown keys are refused."""
    unknown = sorted(set(changes) - set(DEFAULTS))
    if unknown:
        raise Invalid(f"{unknown[0]} cannot be changed here", field=unknown[0])
    checks = {
        "rfm_thresholds": _thresholds,
        "frequency_cap": lambda v: whole_in_range("frequency_cap", v, 0, MAX_CAP),
        "quiet_hours": _quiet_hours,
        "conversion_days": lambda v: whole_in_range("conversion_days", v, 1, MAX_CONVERSION_DAYS),
        "tag_rules": validated_rules,
    }
    return {name: checks[name](value) for name, value in changes.items()}


def minutes_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def cut_points(thresholds: Thresholds | None) -> dict[str, Sequence[int] | None]:
    """For showing: each measure's cut points, None where quintiles are used."""
    given = thresholds or Thresholds()
    return {
        "recency_days": given.recency_days,
        "frequency": given.frequency,
        "monetary_cents": given.monetary_cents,
    }


async def do_update_crm_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, Any]:
    """Change some of the shop's CRM settings (owners); returns the settings in force.
    New RFM thresholds apply from the next snapshot (``POST /rfm/refresh`` takes one now);
    new tag rules at once."""
    actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, actor)
    before = dict(shop.crm_settings)
    after = before | validated_changes(changes)
    if after != before:
        shop.crm_settings = after
        await session.flush()
        record_audit(
            session,
            actor,
            "shop.update_crm_settings",
            "shop",
            shop.id,
            before={"crm_settings": before},
            after={"crm_settings": after},
        )
        if before.get("tag_rules", []) != after.get("tag_rules", []):
            await apply_tag_rules(session, shop.id, after["tag_rules"])
    return crm_settings(after)
