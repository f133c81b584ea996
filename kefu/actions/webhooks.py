"""Outbound webhooks: owners manage their shop's endpoints; events of API-channel
conversations become delivery rows in the transaction that caused them; dead deliveries
can be replayed.

What is sent: an agent's message (never an internal note) in an API-channel conversation
(``message.created``) and every change of such a conversation — assigned, closed, rated …
(``conversation.changed``). The adapter relays them to the marketplace."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot, wake_jobs_on_commit
from kefu.errors import Conflict, Invalid
from kefu.events import ConversationChanged, Event, MessageCreated, shop_stream
from kefu.lib.secrets import new_token
from kefu.models import Channel, Conversation, MessageKind, SenderKind
from kefu.models.base import utcnow
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from kefu.queries.access import fetch_owned

# ``campaign.message``: a campaign's message to one customer, for the shop's SMS or
# marketplace-IM adapter to send (kefu.crm.campaigns writes those deliveries).
CAMPAIGN_MESSAGE = "campaign.message"
WEBHOOK_EVENTS = (MessageCreated.name, ConversationChanged.name, CAMPAIGN_MESSAGE)
TEST_EVENT = "webhook.test"


def _url(value: Any) -> str:
    url = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise Invalid("give the receiver's full http:// or https:// address", field="url")
    return url


def _event_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise Invalid("subscribe to at least one event type", field="event_types")
    unknown = sorted(set(value) - set(WEBHOOK_EVENTS))
    if unknown:
        raise Invalid(
            f"unknown event type {unknown[0]}; choose from {', '.join(WEBHOOK_EVENTS)}",
            field="event_types",
        )
    return sorted(set(value))


async def _endpoint(session: AsyncSession, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    return await fetch_owned(
        session, actor, WebhookEndpoint, endpoint_id, "webhook", permission=Permission.MANAGE_SHOP
    )


async def do_create_webhook(
    session: AsyncSession, actor: Actor, *, url: Any, event_types: Any, active: bool = True
) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret (shown to the owner on creation)."""
    actor.require(Permission.MANAGE_SHOP)
    endpoint = WebhookEndpoint(
        shop_id=actor.shop_id,
        url=_url(url),
        secret=new_token(24),
        event_types=_event_types(event_types),
        active=bool(active),
    )
    session.add(endpoint)
    await session.flush()
    record_audit(session, actor, "webhook.create", "webhook", endpoint.id, after=snapshot(endpoint))
    return endpoint


async def do_update_webhook(
    session: AsyncSession, actor: Actor, endpoint_id: int, **changes: Any
) -> WebhookEndpoint:
    """Change the address, the subscribed events or switch the endpoint on or off."""
    endpoint = await _endpoint(session, actor, endpoint_id)
    before = snapshot(endpoint)
    if "url" in changes:
        endpoint.url = _url(changes["url"])
    if "event_types" in changes:
        endpoint.event_types = _event_types(changes["event_types"])
    if changes.get("active") is not None:
        endpoint.active = bool(changes["active"])
    await session.flush()
    record_audit(
        session,
        actor,
        "webhook.update",
        "webhook",
        endpoint.id,
        before=before,
        after=snapshot(endpoint),
    )
    return endpoint


async def do_delete_webhook(session: AsyncSession, actor: Actor, endpoint_id: int) -> None:
    """Remove the endpoint and its delivery history."""
    endpoint = await _endpoint(session, actor, endpoint_id)
    record_audit(
        session, actor, "webhook.delete", "webhook", endpoint.id, before=snapshot(endpoint)
    )
    await session.delete(endpoint)
    await session.flush()


def new_delivery(endpoint: WebhookEndpoint, event: str, data: dict[str, Any]) -> WebhookDelivery:
    """A queued delivery of ``event`` to ``endpoint``, due now."""
    return WebhookDelivery(
        shop_id=endpoint.shop_id,
        endpoint_id=endpoint.id,
        event=event,
        payload=data,
        state=DeliveryState.QUEUED,
        next_attempt_at=utcnow(),
    )


async def do_test_webhook(session: AsyncSession, actor: Actor, endpoint_id: int) -> WebhookDelivery:
    """Queue a ``webhook.test`` delivery so the owner can check the receiver and its
    signature check before real events flow."""
    endpoint = await _endpoint(session, actor, endpoint_id)
    delivery = new_delivery(endpoint, TEST_EVENT, {"message": "来自 Kefu 的测试事件"})
    session.add(delivery)
    await session.flush()
    wake_jobs_on_commit(session)
    record_audit(session, actor, "webhook.test", "webhook", endpoint.id)
    return delivery


async def do_replay_delivery(
    session: AsyncSession, actor: Actor, delivery_id: int
) -> WebhookDelivery:
    """Send a dead-lettered delivery again, with a fresh set of attempts."""
    delivery = await fetch_owned(
        session, actor, WebhookDelivery, delivery_id, "delivery", permission=Permission.MANAGE_SHOP
    )
    if delivery.state is not DeliveryState.DEAD:
        raise Conflict("only a dead-lettered delivery can be replayed")
    before = snapshot(delivery)
    delivery.state = DeliveryState.QUEUED
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    await session.flush()
    wake_jobs_on_commit(session)
    record_audit(
        session,
        actor,
        "webhook.replay",
        "webhook_delivery",
        delivery.id,
        before=before,
        after=snapshot(delivery),
    )
    return delivery


def _is_api_conversation(session: Session, event: Event) -> bool:
    conversation_id = event.payload.get("conversation_id") or event.payload.get(
        "conversation", {}
    ).get("id")
    conversation = session.get(Conversation, conversation_id)
    return conversation is not None and conversation.channel is Channel.API


def _reported(event: Event) -> bool:
    """Agents' words and the shop's view of changes; never notes, never the visitor view."""
    if isinstance(event, MessageCreated):
        message = event.payload["message"]
        return message["sender_kind"] == SenderKind.AGENT.value and (
            message["kind"] != MessageKind.NOTE.value
        )
    return isinstance(event, ConversationChanged) and shop_stream(event.shop_id) in event.recipients


def enqueue_deliveries(session: Session, event: Event) -> None:
    """Write one delivery per subscribed active endpoint, in the event's transaction.

    The conversation's channel is checked first: it is already loaded by the action, so
    the widget's chats pay no query for webhooks they never send."""
    if not _reported(event) or not _is_api_conversation(session, event):
        return
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.shop_id == event.shop_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
    wanted = [e for e in endpoints if event.name in e.event_types]
    if not wanted:
        return
    session.add_all(new_delivery(endpoint, event.name, event.payload) for endpoint in wanted)
    wake_jobs_on_commit(session)
