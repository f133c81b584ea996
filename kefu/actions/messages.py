"""Sending a message: stored once per ``client_id`` however often the sender retries.

The idempotency check is the database's unique constraint on (shop, client_id): the
insert does nothing on a conflict and the stored message is read back, so two retries
racing each other on two connections still leave one row and get the same answer."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached

from kefu.access import Actor
from kefu.actions.base import transaction_cache
from kefu.actions.checks import choice
from kefu.actions.conversations import (
    announce_message_sync,
    load_for_staff_sync,
    read_visitor_streams,
)
from kefu.actions.emotion import note_shopper_emotion
from kefu.actions.invitations import note_conversion, read_open_acceptances
from kefu.actions.quality import reply_findings
from kefu.actions.sla import answered_in_chat
from kefu.errors import Conflict, Invalid
from kefu.knowledge.bot import bot_may_look
from kefu.models import Conversation, ConversationStatus, Message, MessageKind, SenderKind
from kefu.models.base import MAX_ID, utcnow
from kefu.queries.conversations import conversation_for
from kefu.reports.chat_facts import reply_facts, shopper_wrote

MAX_BODY = 5000
VISITOR_KINDS = frozenset({MessageKind.TEXT, MessageKind.IMAGE, MessageKind.CARD})
STAFF_KINDS = VISITOR_KINDS | {MessageKind.NOTE}


def _client_id(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Invalid("client_id must be a UUID", field="client_id") from exc


def message_body(value: Any, kind: MessageKind, payload: dict[str, Any] | None) -> str:
    body = value.strip() if isinstance(value, str) else ""
    if len(body) > MAX_BODY:
        raise Invalid(f"a message has at most {MAX_BODY} characters", field="body")
    if "\x00" in body:
        raise Invalid("the message contains a NUL character", field="body")
    if not body and (kind in (MessageKind.TEXT, MessageKind.NOTE) or not payload):
        raise Invalid("the message is empty", field="body")
    return body


def sender_kind(actor: Actor) -> SenderKind:
    """How a message or an upload of ``actor`` is labelled: an integrator's key is the
    system speaking."""
    if actor.is_visitor:
        return SenderKind.VISITOR
    return SenderKind.AGENT if actor.kind == "agent" else SenderKind.SYSTEM


def _sender(actor: Actor) -> tuple[SenderKind, int | None]:
    kind = sender_kind(actor)
    return kind, None if kind is SenderKind.SYSTEM else actor.id


def _load(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    if actor.is_visitor:
        return conversation_for(session, actor, conversation_id)
    return load_for_staff_sync(session, actor, conversation_id)


def stored_message(session: Session, shop_id: int, client_id: uuid.UUID) -> Message | None:
    """The shop's message sent before with this ``client_id``, if any."""
    return session.scalar(
        select(Message).where(Message.shop_id == shop_id, Message.client_id == client_id)
    )


def _same_message(
    message: Message, conversation_id: int, sender: tuple[SenderKind, Any]
) -> Message:
    """A retry must be of the same message; a reused id for another one is refused."""
    if (
        message.conversation_id != conversation_id
        or (
            message.sender_kind,
            message.sender_id,
        )
        != sender
    ):
        raise Conflict("this client_id was already used for another message", field="client_id")
    return message


@functools.cache
def _insert_unless_sent(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT (shop_id, client_id) DO NOTHING RETURNING id``, built once:
    a plain table statement with bound values skips the ORM's per-row bookkeeping."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Message.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["shop_id", "client_id"])
        .returning(table.c.id)
    )


def insert_message(session: Session, values: dict[str, Any]) -> Message | None:
    """Insert unless (shop, client_id) exists: the new message (in the session, as if
    loaded), or None on a conflict."""
    statement = _insert_unless_sent(session.get_bind().dialect.name)
    new_id = session.connection().execute(statement, values).scalar()
    if new_id is None:
        return None
    message = Message(id=new_id, **values)
    make_transient_to_detached(message)
    session.add(message)
    return message


def _touch(conversation: Conversation, message: Message) -> None:
    """Keep the conversation's clocks and status in step with its messages."""
    conversation.last_message_at = message.created_at
    if message.sender_kind is SenderKind.VISITOR:
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
    elif message.kind is not MessageKind.NOTE and conversation.first_response_at is None:
        conversation.first_response_at = message.created_at


async def do_send_message(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    body: Any,
    client_id: Any,
    *,
    kind: MessageKind | str = MessageKind.TEXT,
    payload: dict[str, Any] | None = None,
) -> Message:
    """Store a message from a visitor, an agent or an integrator and tell its recipients.

    A retry with the same ``client_id`` returns the stored message and tells nobody again.
    A message is not audited: the message row is itself the record of who said what."""
    return await session.run_sync(
        send_message, actor, conversation_id, body, client_id, kind=kind, payload=payload
    )


def send_message(
    session: Session,
    actor: Actor,
    conversation_id: int,
    body: Any,
    client_id: Any,
    *,
    kind: MessageKind | str = MessageKind.TEXT,
    payload: dict[str, Any] | None = None,
) -> Message:
    """``do_send_message`` on a synchronous session: what the chat socket's group commit
    runs, many messages to a transaction."""
    conversation = _load(session, actor, conversation_id)
    kind = choice(MessageKind, kind, "kind")
    if kind not in (VISITOR_KINDS if actor.is_visitor else STAFF_KINDS):
        raise Invalid(f"{kind.value} messages cannot be sent here", field="kind")
    cid, sender = _client_id(client_id), _sender(actor)
    if conversation.status is ConversationStatus.CLOSED:
        stored = stored_message(session, actor.shop_id, cid)  # a late retry gets its answer
        if stored is not None:
            return _same_message(stored, conversation.id, sender)
        raise Conflict("this conversation is closed; start a new one")
    text = message_body(body, kind, payload)
    values = {
        "shop_id": actor.shop_id,
        "conversation_id": conversation.id,
        "sender_kind": sender[0],
        "sender_id": sender[1],
        "kind": kind,
        "body": text,
        "payload": payload,
        "client_id": cid,
        "created_at": utcnow(),
        # an agent's text reply is inspected (and may be refused) before it is stored
        "findings": reply_findings(session, actor.shop_id, text)
        if kind is MessageKind.TEXT and sender[0] is SenderKind.AGENT
        else None,
    }
    message = insert_message(session, values)
    if message is None:  # sent before (a retry), or a concurrent retry won the race
        stored = stored_message(session, actor.shop_id, cid)
        assert stored is not None  # the conflict means the row exists and is committed
        return _same_message(stored, conversation.id, sender)
    if message.sender_kind is SenderKind.VISITOR:
        shopper_wrote(conversation, message.created_at)
    elif message.kind is not MessageKind.NOTE:  # before _touch sets the first response
        reply_facts(session, conversation, message, message.sender_id)
        if message.sender_kind is SenderKind.AGENT:  # the cases opened from the chat
            answered_in_chat(session, actor, conversation.id, message.id, message.created_at)
    _touch(conversation, message)  # written by the flush at commit, with the batch's others
    if message.sender_kind is SenderKind.VISITOR and message.kind is MessageKind.TEXT:
        note_shopper_emotion(session, conversation, message)
    if message.sender_kind is SenderKind.VISITOR and conversation.visitor_id is not None:
        note_conversion(session, conversation.visitor_id, conversation.id, message.created_at)
    announce_message_sync(session, conversation, message)
    return message


@dataclass(frozen=True, slots=True)
class Sent:
    """A stored message, and whether the FAQ bot may answer it (see ``bot_may_look``)."""

    message: Message
    bot_may_look: bool


@dataclass(frozen=True, slots=True)
class MessageToSend:
    """A ``send_message`` call as a group-commit unit (the chat socket's messages)."""

    actor: Actor
    conversation_id: int
    body: Any
    client_id: Any
    kind: MessageKind | str = MessageKind.TEXT
    payload: dict[str, Any] | None = None

    def __call__(self, session: Session) -> Sent:
        message = send_message(
            session,
            self.actor,
            self.conversation_id,
            self.body,
            self.client_id,
            kind=self.kind,
            payload=self.payload,
        )
        conversation = session.get_one(Conversation, message.conversation_id)  # loaded
        return Sent(message, bot_may_look(conversation, message))

    @staticmethod
    def prefetch(session: Session, sends: list[MessageToSend]) -> None:
        """What a batch of messages reads, read once for all of them: their conversations
        (then found in the session's identity map), their visitors' streams and the
        invitations their shoppers may convert."""
        ids = {s.conversation_id for s in sends if 0 < s.conversation_id <= MAX_ID}
        conversations = session.scalars(select(Conversation).where(Conversation.id.in_(ids))).all()
        # The identity map holds clean objects weakly: keep them for the transaction.
        transaction_cache(session, "kefu_batch_conversations").update(
            (c.id, c) for c in conversations
        )
        read_visitor_streams(session, conversations)
        shoppers = {s.actor.id for s in sends if s.actor.is_visitor and s.actor.id is not None}
        read_open_acceptances(session, shoppers, utcnow())
