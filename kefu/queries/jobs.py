"""Counts of background jobs for monitoring (all shops together: an operator's view
that names no shop and shows no row)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.webhooks import WebhookDelivery


async def webhook_delivery_counts(session: AsyncSession) -> dict[str, int]:
    """How many webhook deliveries are in each state."""
    rows = await session.execute(
        select(WebhookDelivery.state, func.count()).group_by(WebhookDelivery.state)
    )
    return {str(state): count for state, count in rows}
