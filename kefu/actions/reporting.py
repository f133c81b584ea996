"""Changing the shop's reporting settings (the costs behind the unit service cost)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.checks import check_known
from kefu.actions.shops import update_shop
from kefu.models import Shop
from kefu.reports.costs import SETTING_KEYS, checked_cents, reporting_settings


async def do_update_reporting_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, int]:
    """Set what an agent hour and a conversation cost (owners); returns the complete
    settings. Figures already shown change with it: costs are applied when read."""
    actor.require(Permission.MANAGE_SHOP)
    check_known(changes, SETTING_KEYS)
    shop = await session.get(Shop, actor.shop_id)
    current = reporting_settings(shop.reporting_settings if shop else None)
    after = current | {key: checked_cents(value, key) for key, value in changes.items()}
    shop = await update_shop(
        session, actor, "shop.update_reporting", "reporting", {"reporting_settings": after}
    )
    return reporting_settings(shop.reporting_settings)
