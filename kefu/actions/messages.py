"""Sending a message: stored once per ``client_id`` however often the sender retries.

The idempotency check is the database's unique constraint on (shop, client_id): the
insert does nothing on a conflict and the stored message is read back, so two retries
racing each other on two connections still leave one row and get the same answer."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, bindparam, inspect, select
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
from kefu.actions.kept import BETWEEN_BATCHES, batch_cache
from kefu.actions.quality import reply_findings
from kefu.actions.sla import answered_in_chat
from kefu.errors import Conflict, Invalid
from kefu.knowledge.bot import bot_may_look
from kefu.lib.phrases import unfilled_variables
from kefu.lib.pickling import reduce_by_fields
from kefu.models import Conversation, ConversationStatus, Message, MessageKind, SenderKind
from kefu.models.base import MAX_ID, utcnow
from kefu.plain_writes import PlainInsert, write_changes
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


def _require_filled(text: str) -> None:
    """A quick phrase leaves a variable it has no value for as written ({客户昵称} for a
    shopper who gave no name) for the agent to replace; sent as it is, the shopper would
    read the braces."""
    unfilled = unfilled_variables(text)
    if unfilled:
        raise Invalid(
            f"replace {{{unfilled[0]}}} with the actual words before sending",
            field="body",
            code="unfilled_variable",
        )


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


_MESSAGES = inspect(Message).class_manager


@functools.cache
def _insert_unless_sent(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT (shop_id, client_id) DO NOTHING RETURNING …``, built once:
    a plain table statement with bound values skips the ORM's per-row bookkeeping. It
    returns each new row's key beside its id, which names the row an id belongs to when
    one statement inserts a whole group commit: a conflicting row returns nothing."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Message.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=_KEY)
        .returning(table.c.id, table.c.shop_id, table.c.client_id)
    )


_KEY = ("shop_id", "client_id")
# SQLite's writer: the same statement as plain SQL (SQLAlchemy's insertmanyvalues cost more
# than the insert itself, ``kefu bench writer``).
_SQLITE_INSERT = PlainInsert(
    Message.__table__,
    (
        "shop_id",
        "conversation_id",
        "sender_kind",
        "sender_id",
        "kind",
        "body",
        "payload",
        "client_id",
        "created_at",
        "findings",
    ),
    ("id", *_KEY),
    unless_conflict_on=_KEY,
)


def insert_message(session: Session, values: dict[str, Any]) -> Message | None:
    """Insert unless (shop, client_id) exists: the new message (in the session, as if
    loaded), or None on a conflict."""
    return insert_messages(session, [values])[0]


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> list[Message | None]:
    """Insert the rows in one statement, in order: for each row its new message (in the
    session, as if loaded), or None when its (shop, client_id) was stored before, or by an
    earlier row of the same call (as if they had been inserted one after the other)."""
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":
        returned = _SQLITE_INSERT.execute(connection, rows)
        key = functools.partial(_SQLITE_INSERT.stored, dialect, "client_id")
    else:
        returned = connection.execute(_insert_unless_sent(dialect.name), rows).all()
        key = _same_key
    new_ids = {(shop_id, client_id): new_id for new_id, shop_id, client_id in returned}
    messages: list[Message | None] = []
    for values in rows:
        new_id = new_ids.pop((values["shop_id"], key(values["client_id"])), None)  # first only
        messages.append(None if new_id is None else _as_loaded(session, new_id, values))
    return messages


def _same_key(client_id: uuid.UUID) -> uuid.UUID:
    return client_id


def _as_loaded(session: Session, new_id: int, values: dict[str, Any]) -> Message:
    """The inserted row as a persistent message, without reading it back. Its attributes
    are filled in as a query's loader fills them (the constructor's instrumented sets
    cost three times as much, and their history would be thrown away at once)."""
    message = _MESSAGES.new_instance()
    message.__dict__.update(values, id=new_id)
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
    """``do_send_message`` on a synchronous session. The chat socket's group commit runs
    the same two halves, with one insert for all the messages of a batch between them."""
    draft = draft_message(session, actor, conversation_id, body, client_id, kind, payload)
    if isinstance(draft, Message):
        return draft
    return store_draft(session, draft, insert_message(session, draft.values))


@dataclass(frozen=True, slots=True)
class Draft:
    """A message that passed its checks, with the values of its row, not yet inserted."""

    actor: Actor
    conversation: Conversation
    values: dict[str, Any]


def draft_message(
    session: Session,
    actor: Actor,
    conversation_id: int,
    body: Any,
    client_id: Any,
    kind: MessageKind | str,
    payload: dict[str, Any] | None,
) -> Draft | Message:
    """What ``send_message`` does before the insert: the checks and the row; or the stored
    message, when a late retry in a closed conversation gets its answer."""
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
    if kind is MessageKind.TEXT and sender[0] is not SenderKind.VISITOR:
        _require_filled(text)
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
    return Draft(actor, conversation, values)


def store_draft(session: Session, draft: Draft, message: Message | None) -> Message:
    """What ``send_message`` does after the insert: ``message`` is the inserted row, or
    None when this (shop, client_id) was stored before (a retry, or a concurrent retry
    that won the race, or an earlier message of the same batch)."""
    actor, conversation, values = draft.actor, draft.conversation, draft.values
    if message is None:
        stored = stored_message(session, actor.shop_id, values["client_id"])
        assert stored is not None  # the conflict means the row exists, visible to us
        return _same_message(stored, conversation.id, (values["sender_kind"], values["sender_id"]))
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
    """A stored message's id, and whether the FAQ bot may answer it (see
    ``bot_may_look``): all the chat socket needs, and cheap to send from the SQLite
    writer process."""

    message_id: int
    bot_may_look: bool

    __reduce__ = reduce_by_fields  # sent to and from the SQLite writer process


@dataclass(frozen=True, slots=True)
class MessageToSend:
    """A ``send_message`` call as a group-commit unit (the chat socket's messages)."""

    actor: Actor
    conversation_id: int
    body: Any
    client_id: Any
    kind: MessageKind | str = MessageKind.TEXT
    payload: dict[str, Any] | None = None

    __reduce__ = reduce_by_fields  # sent to and from the SQLite writer process

    def __call__(self, session: Session) -> Sent:
        ahead = transaction_cache(session, _AHEAD).get(id(self))
        message = self._send(session) if ahead is None else ahead.finish(session)
        conversation = session.get_one(Conversation, message.conversation_id)  # loaded
        return Sent(message.id, bot_may_look(conversation, message))

    def _send(self, session: Session) -> Message:
        return send_message(
            session,
            self.actor,
            self.conversation_id,
            self.body,
            self.client_id,
            kind=self.kind,
            payload=self.payload,
        )

    @staticmethod
    def run_ahead(session: Session, sends: list[MessageToSend]) -> None:
        """A batch's shared work, done once for all of its messages: read what they need
        (their conversations, then found in the session's identity map; their visitors'
        streams; the invitations their shoppers may convert), check each, and insert them
        all in one statement. Each message then finishes in its own call, which raises
        what its check raised (the group commit then runs the others again without it)."""
        ids = list({s.conversation_id for s in sends if 0 < s.conversation_id <= MAX_ID})
        conversations = batch_conversations(session, ids)
        # The identity map holds clean objects weakly: keep them for the transaction.
        transaction_cache(session, _BATCH_CONVERSATIONS).update((c.id, c) for c in conversations)
        read_visitor_streams(session, conversations)
        shoppers = {s.actor.id for s in sends if s.actor.is_visitor and s.actor.id is not None}
        read_open_acceptances(session, shoppers, utcnow())
        drafts: dict[int, Draft | Message | Exception] = {}
        for send in sends:
            try:
                drafts[id(send)] = draft_message(
                    session,
                    send.actor,
                    send.conversation_id,
                    send.body,
                    send.client_id,
                    send.kind,
                    send.payload,
                )
            except Exception as exc:  # raised again by its own unit
                drafts[id(send)] = exc
        ready = [(key, d) for key, d in drafts.items() if isinstance(d, Draft)]
        inserted = insert_messages(session, [d.values for _key, d in ready])
        ahead = transaction_cache(session, _AHEAD)
        ahead.update((key, _Ahead(d)) for key, d in drafts.items())
        ahead.update((key, _Ahead(d, m)) for (key, d), m in zip(ready, inserted, strict=True))

    @staticmethod
    def finish_batch(session: Session) -> None:
        """On SQLite's writer: the batch's conversations (their clocks, status, colour)
        written by one plain UPDATE per set of changed columns. Through the ORM's flush
        they were an eighth of a message's cost there (``kefu bench writer``)."""
        if BETWEEN_BATCHES in session.info:
            write_changes(session, transaction_cache(session, _BATCH_CONVERSATIONS).values())


_AHEAD = "kefu_messages_ahead"
_BATCH_CONVERSATIONS = "kefu_batch_conversations"
# Built once: building ``in_`` of a batch's ids each time cost more than running it.
_CONVERSATIONS = select(Conversation).where(Conversation.id.in_(bindparam("ids", expanding=True)))
_KEPT = "kefu_writer_conversations"


def batch_conversations(session: Session, ids: list[int]) -> list[Conversation]:
    """The batch's conversations: those SQLite's writer kept from its earlier batches as
    their last commit left them (``kefu.actions.kept.KeptBetweenBatches``: reading them was an
    eighth of a chat message's cost there, and most batches are of conversations the batch
    before had too), and the others read."""
    if BETWEEN_BATCHES not in session.info:
        return list(session.scalars(_CONVERSATIONS, {"ids": ids}))
    rows: dict[int, Conversation] = batch_cache(session, _KEPT)
    kept = [rows[i] for i in ids if i in rows]
    session.add_all(kept)  # detached as the last commit left them: no query
    missing = [i for i in ids if i not in rows]
    read = list(session.scalars(_CONVERSATIONS, {"ids": missing})) if missing else []
    rows.update((c.id, c) for c in read)
    return kept + read


@dataclass(frozen=True, slots=True)
class _Ahead:
    """A message of a batch as ``MessageToSend.run_ahead`` left it: refused by its checks,
    answered from the stored row, or drafted and inserted (or found sent before)."""

    draft: Draft | Message | Exception
    inserted: Message | None = None

    def finish(self, session: Session) -> Message:
        if isinstance(self.draft, Exception):
            raise self.draft
        if isinstance(self.draft, Message):
            return self.draft
        return store_draft(session, self.draft, self.inserted)
