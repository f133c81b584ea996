"""The API channel's inbound side: a marketplace adapter (Taobao/Qianniu, JD, Pinduoduo,
Douyin, WeChat, Shopify …) posts each shopper message it receives.

Idempotency: the adapter's ``external_message_id`` is turned into the message's
``client_id`` (a name-based UUID), so the database's unique (shop, client_id) makes a
retry return the stored message, exactly like a widget retry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.conversations import announce_message, start_routed
from kefu.actions.emotion import note_shopper_emotion
from kefu.actions.messages import insert_message, message_body, stored_message
from kefu.actions.routing import lock_routing
from kefu.errors import Conflict, Forbidden
from kefu.models import (
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerIdentity,
    Message,
    MessageKind,
    SenderKind,
)
from kefu.models.base import utcnow
from kefu.reports.chat_facts import shopper_wrote

# Fixed namespace: the same external message id always gives the same client_id.
_MESSAGE_NAMESPACE = uuid.UUID("4a1f7c52-0e3b-4f6e-9d0a-6b2c1e8f7a10")


async def _customer(
    session: AsyncSession, shop_id: int, channel: str, external_id: str, name: str | None
) -> Customer:
    """The shop's customer with this identity on ``channel``, created on first contact."""
    identity = await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.shop_id == shop_id,
            CustomerIdentity.channel == channel,
            CustomerIdentity.handle == external_id,
        )
    )
    if identity is not None:
        return await session.get_one(Customer, identity.customer_id)
    customer = Customer(
        shop_id=shop_id,
        external_id=f"{channel}:{external_id}"[:64],
        name=name,
        nickname=name,
        tags=[],
        identities=[CustomerIdentity(shop_id=shop_id, channel=channel, handle=external_id)],
    )
    session.add(customer)
    await session.flush()
    return customer


async def _open_conversation(
    session: AsyncSession, shop_id: int, external_id: str
) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.shop_id == shop_id,
            Conversation.channel == Channel.API,
            Conversation.external_id == external_id,
            Conversation.status != ConversationStatus.CLOSED,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def _conversation(
    session: AsyncSession, shop_id: int, external_id: str, customer: Customer
) -> Conversation:
    """The open conversation for the marketplace's conversation id, or a new routed one
    (a conversation closed in Kefu is not reopened: the shopper's next words start anew)."""
    existing = await _open_conversation(session, shop_id, external_id)
    if existing is not None:
        return existing
    conversation = Conversation(
        shop_id=shop_id,
        channel=Channel.API,
        external_id=external_id,
        customer_id=customer.id,
        tags=[],
    )
    return await start_routed(session, conversation)


async def do_receive_api_message(
    session: AsyncSession,
    actor: Actor,
    *,
    external_conversation_id: str,
    external_message_id: str,
    customer: dict[str, Any],
    text: str,
    sent_at: datetime | None = None,
) -> tuple[Message, bool]:
    """Store a shopper's message from a marketplace; returns it and whether it is new.

    The message is the record of what was said, so it is not audited (as in the widget)."""
    if actor.kind != "api_key":
        raise Forbidden("only an API key of the shop's adapter posts channel messages")
    actor.require(Permission.HANDLE_CONVERSATIONS)
    client_id = uuid.uuid5(_MESSAGE_NAMESPACE, external_message_id)
    stored = await session.run_sync(stored_message, actor.shop_id, client_id)
    if stored is not None:
        return _same(stored, external_conversation_id), False
    body = message_body(text, MessageKind.TEXT, None)
    # Taken before any row is written: two first messages of one shopper at once then make
    # one customer and one conversation, and the lock order (routing, then streams) holds.
    await lock_routing(session, actor.shop_id)
    who = await _customer(
        session, actor.shop_id, customer["channel"], customer["external_id"], customer.get("name")
    )
    conversation = await _conversation(session, actor.shop_id, external_conversation_id, who)
    external = {"conversation_id": external_conversation_id, "message_id": external_message_id}
    if sent_at is not None:
        external["sent_at"] = sent_at.isoformat()
    message = await session.run_sync(
        insert_message,
        {
            "shop_id": actor.shop_id,
            "conversation_id": conversation.id,
            "sender_kind": SenderKind.VISITOR,
            "sender_id": None,
            "kind": MessageKind.TEXT,
            "body": body,
            "payload": {"external": external, "channel": customer["channel"]},
            "client_id": client_id,
            "created_at": utcnow(),
        },
    )
    if message is None:  # a concurrent retry stored it first
        stored = await session.run_sync(stored_message, actor.shop_id, client_id)
        assert stored is not None
        return _same(stored, external_conversation_id), False
    conversation.last_message_at = message.created_at
    shopper_wrote(conversation, message.created_at)
    conversation.status = ConversationStatus.OPEN
    conversation.snoozed_until = None
    await session.run_sync(note_shopper_emotion, conversation, message)
    await session.flush()
    await announce_message(session, conversation, message)
    return message, True


def _same(message: Message, external_conversation_id: str) -> Message:
    """A retry must name the same conversation; a reused message id elsewhere is refused."""
    external = (message.payload or {}).get("external", {})
    if external.get("conversation_id") != external_conversation_id:
        raise Conflict(
            "this external_message_id was already used in another conversation",
            field="external_message_id",
        )
    return message
