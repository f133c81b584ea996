"""Reading a shop's webhook endpoints and their deliveries (owners only)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

MAX_DELIVERIES = 200


async def list_webhooks(session: AsyncSession, actor: Actor) -> Sequence[WebhookEndpoint]:
    actor.require(Permission.MANAGE_SHOP)
    query = select(WebhookEndpoint).where(WebhookEndpoint.shop_id == actor.shop_id)
    return (await session.scalars(query.order_by(WebhookEndpoint.id))).all()


async def list_deliveries(
    session: AsyncSession, actor: Actor, state: DeliveryState | None = None
) -> Sequence[WebhookDelivery]:
    """The newest deliveries first; ``state=dead`` is the dead-letter list."""
    actor.require(Permission.MANAGE_SHOP)
    query = select(WebhookDelivery).where(WebhookDelivery.shop_id == actor.shop_id)
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    query = query.order_by(WebhookDelivery.id.desc()).limit(MAX_DELIVERIES)
    return (await session.scalars(query)).all()
