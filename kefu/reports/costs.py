"""The shop's reporting settings: what an agent hour and a conversation cost, in cents,
from which the unit service cost KPI (kefu.reports.kpis) is computed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.models.shops import Shop
from kefu.reports.kpis import Costs

# A cost above 1,000,000 yuan an hour or a conversation is a typo, not a cost.
MAX_CENTS = 100_000_000
SETTING_KEYS = ("cost_per_agent_hour_cents", "cost_per_conversation_cents")


def reporting_settings(stored: dict[str, Any] | None) -> dict[str, int]:
    """A shop's settings with defaults filled in: 0 (no cost said) for each."""
    stored = stored or {}
    return {key: int(stored.get(key) or 0) for key in SETTING_KEYS}


def checked_cents(value: Any, field: str) -> int:
    """A cost a person typed: whole cents, not negative, not absurd."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number of cents", field=field)
    if not 0 <= value <= MAX_CENTS:
        raise Invalid(f"{field} must be from 0 to {MAX_CENTS}", field=field)
    return value


def costs_of(settings: dict[str, int]) -> Costs:
    return Costs(
        per_agent_hour_cents=settings["cost_per_agent_hour_cents"],
        per_conversation_cents=settings["cost_per_conversation_cents"],
    )


async def shop_costs(session: AsyncSession, shop_id: int) -> Costs:
    """The costs the shop said (zeros when it said none)."""
    stored = await session.scalar(select(Shop.reporting_settings).where(Shop.id == shop_id))
    return costs_of(reporting_settings(stored))


async def read_reporting_settings(session: AsyncSession, actor: Actor) -> dict[str, int]:
    """The actor's shop's reporting settings: whoever may see its reports may see them."""
    actor.require(Permission.VIEW_REPORTS)
    stored = await session.scalar(select(Shop.reporting_settings).where(Shop.id == actor.shop_id))
    return reporting_settings(stored)
