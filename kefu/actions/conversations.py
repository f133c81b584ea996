"""A conversation's life: started by a visitor, assigned or transferred (with a note),
snoozed, closed with a summary and a disposition, rated by the shopper.

Who hears what: every change goes to the shop's stream (all agents' conversation lists)
and, without anything internal, to the visitor's stream. Messages go to the assignee's
stream (the shop's while unassigned) and, unless they are notes, to the visitor's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.cases import open_review_followup
from kefu.actions.checks import choice, clean_text
from kefu.actions.kept import batch_cache
from kefu.actions.rating_mail import ask_for_rating
from kefu.actions.scorecards import queue_scorecard
from kefu.actions.streams import emit, emit_sync
from kefu.db import any_row
from kefu.errors import Conflict, Forbidden, Invalid, NotFound
from kefu.events import (
    ConversationChanged,
    ConversationStarted,
    MessageCreated,
    agent_stream,
    shop_stream,
    visitor_stream,
)
from kefu.lib.widget import greeting_text
from kefu.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    SenderKind,
    Shop,
    Skill,
    Team,
    Visitor,
)
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.conversations import (
    conversation_data,
    conversation_for,
    get_conversation,
    message_data,
    open_conversation_of,
)
from kefu.queries.customers import current_segment
from kefu.reports.chat_facts import (
    credit_opened,
    opened_facts,
    rating_facts,
    resolved_facts,
    transfer_facts,
)

MAX_SUMMARY = 2000
_VISITOR_PUBLIC_IDS = select(Visitor.id, Visitor.public_id).where(
    Visitor.id.in_(bindparam("ids", expanding=True))
)
_PUBLIC_IDS = "kefu_visitor_public_ids"
MAX_COMMENT = 1000


def _routing() -> ModuleType:
    """The routing actions, which build on this module's announcements: imported late
    because starting, closing and reassigning conversations call back into routing."""
    from kefu.actions import routing

    return routing


def _bot() -> ModuleType:
    """The bot's actions (they close and announce through this module): imported late."""
    from kefu.actions import bot

    return bot


def staff_stream(conversation: Conversation) -> str:
    """Where agents hear the conversation's messages: its assignee, else the whole shop."""
    if conversation.assigned_agent_id is not None:
        return agent_stream(conversation.assigned_agent_id)
    return shop_stream(conversation.shop_id)


async def visitor_streams(session: AsyncSession, conversation: Conversation) -> frozenset[str]:
    """The visitor's stream, or none for a conversation without a widget visitor."""
    return await session.run_sync(visitor_streams_sync, conversation)


def visitor_streams_sync(session: Session, conversation: Conversation) -> frozenset[str]:
    """``visitor_streams`` on a synchronous session."""
    if conversation.visitor_id is None:
        return frozenset()
    known = batch_cache(session, _PUBLIC_IDS)
    if conversation.visitor_id not in known:  # a batch's messages have read it already
        read_visitor_streams(session, [conversation])
    public_id = known.get(conversation.visitor_id)
    return frozenset() if public_id is None else frozenset({visitor_stream(public_id)})


def read_visitor_streams(session: Session, conversations: Iterable[Conversation]) -> None:
    """Read once, for a batch of messages, the public ids that name their visitors'
    streams (kept for the transaction; a public id never changes)."""
    known = batch_cache(session, _PUBLIC_IDS)
    missing = {c.visitor_id for c in conversations if c.visitor_id is not None} - known.keys()
    if missing:
        known.update(
            session.connection().execute(_VISITOR_PUBLIC_IDS, {"ids": list(missing)}).all()
        )


async def announce_message(
    session: AsyncSession, conversation: Conversation, message: Message
) -> None:
    """Emit ``message.created`` to the staff side and, unless it is a note, the visitor."""
    await session.run_sync(announce_message_sync, conversation, message)


def announce_message_sync(session: Session, conversation: Conversation, message: Message) -> None:
    """``announce_message`` on a synchronous session."""
    recipients = {staff_stream(conversation)}
    if message.kind is not MessageKind.NOTE:
        recipients |= visitor_streams_sync(session, conversation)
    emit_sync(
        session,
        MessageCreated(
            conversation.shop_id,
            {"conversation_id": conversation.id, "message": message_data(message)},
            frozenset(recipients),
        ),
    )


async def announce_change(
    session: AsyncSession,
    conversation: Conversation,
    change: str,
    event: type = ConversationChanged,
) -> None:
    """The full view for the shop, the visitor's view for the visitor (separate rows)."""
    shop_id = conversation.shop_id
    for for_visitor, recipients in (
        (False, frozenset({shop_stream(shop_id)})),
        (True, await visitor_streams(session, conversation)),
    ):
        if recipients:
            payload = {
                "change": change,
                "conversation": conversation_data(conversation, for_visitor=for_visitor),
            }
            await emit(session, event(shop_id, payload, recipients))


async def load_for_staff(session: AsyncSession, actor: Actor, conversation_id: int) -> Conversation:
    """A conversation of the actor's shop that the actor may work on."""
    return await session.run_sync(load_for_staff_sync, actor, conversation_id)


def load_for_staff_sync(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """``load_for_staff`` on a synchronous session."""
    if actor.is_visitor:
        raise Forbidden("visitors cannot do this")
    actor.require(Permission.HANDLE_CONVERSATIONS)
    return conversation_for(session, actor, conversation_id)


async def _lock_visitor(session: AsyncSession, visitor: Visitor) -> None:
    """Hold the visitor's row until this transaction ends, so two first messages sent at
    once (two tabs, a retry) start one conversation: the second waits here, then finds the
    first one's conversation. A no-op UPDATE locks the row on PostgreSQL and takes the
    write lock on SQLite. Visitor rows are otherwise written only outside routing, so
    taking this before the routing lock cannot deadlock."""
    await session.execute(
        text("UPDATE visitors SET shop_id = shop_id WHERE id = :id"), {"id": visitor.id}
    )


async def do_start_conversation(
    session: AsyncSession,
    actor: Actor,
    *,
    skill: Skill | str | None = None,
    greeting: str | None = None,
) -> Conversation:
    """The visitor's open conversation, or a new one, routed to an agent at once (in
    this transaction: a started conversation is never left unrouted) or else queued;
    while the FAQ bot is on duty it holds the new conversation instead (kefu.actions.bot).
    ``greeting``: the language (``zh`` or ``en``) of the greeting the widget showed; a new
    conversation then begins with it (the shop's own words if it wrote some), so agents
    read what the shopper was told.

    Opening the widget twice must not make two conversations, hence the reuse."""
    if not actor.is_visitor:
        raise Forbidden("only a widget visitor starts a conversation here")
    visitor = await session.get(Visitor, actor.id)
    if visitor is None or visitor.shop_id != actor.shop_id:
        raise NotFound("visitor")
    existing = await open_conversation_of(session, visitor)
    if existing is None:  # look again once no other start of this visitor is under way
        await _lock_visitor(session, visitor)
        existing = await open_conversation_of(session, visitor)
    if existing is not None:
        return existing
    conversation = Conversation(
        shop_id=actor.shop_id,
        visitor_id=visitor.id,
        customer_id=visitor.customer_id,
        skill=None if skill is None else choice(Skill, skill, "skill"),
        tags=[],
        with_bot=await _bot().bot_takes_new(session, actor.shop_id),
    )
    conversation = await start_routed(session, conversation)
    if greeting is not None:
        await _greet(session, conversation, greeting)
    return conversation


GREETING_IDS = uuid.UUID("6b2f7d3e-58c1-4c0e-9a57-6f1d0c3a9e21")  # uuid5 namespace


async def _greet(session: AsyncSession, conversation: Conversation, lang: str) -> None:
    """Store the greeting as the bot's first message (``payload.greeting``: the widget
    replaces its own bubble with it instead of showing it twice). Its client_id derives
    from the conversation, so there is only ever one per conversation. It is no answer
    from a person: the first-response clock keeps running."""
    shop = await session.get(Shop, conversation.shop_id)
    assert shop is not None  # the conversation's own shop
    message = Message(
        shop_id=conversation.shop_id,
        conversation_id=conversation.id,
        sender_kind=SenderKind.BOT,
        sender_id=None,
        kind=MessageKind.TEXT,
        body=greeting_text(shop.widget_settings, shop.name, lang),
        payload={"greeting": True},
        client_id=uuid.uuid5(GREETING_IDS, str(conversation.id)),
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    await announce_message(session, conversation, message)


async def start_routed(session: AsyncSession, conversation: Conversation) -> Conversation:
    """Store a new conversation, announce it and route it to an agent at once (in this
    transaction: a started conversation is never left unrouted) or else queue it. It
    keeps the customer's segment of the day for the reports' segment filter."""
    conversation.segment = await current_segment(
        session, conversation.shop_id, conversation.customer_id
    )
    session.add(conversation)
    await session.flush()
    routing = _routing()
    await routing.lock_routing(session, conversation.shop_id)
    await announce_change(session, conversation, "started", ConversationStarted)
    routed = await routing.do_route_conversation(
        session, routing.routing_actor(conversation.shop_id), conversation.id
    )
    await opened_facts(session, routed)
    return routed


async def _load_locked(session: AsyncSession, actor: Actor, conversation_id: int) -> Conversation:
    """The conversation as it stands once this transaction holds the shop's routing lock
    (an action that frees or takes an agent's slot checks the state under that lock)."""
    conversation = await load_for_staff(session, actor, conversation_id)
    await _routing().lock_routing(session, actor.shop_id)
    await session.refresh(conversation)
    return conversation


async def _check_assignee(
    session: AsyncSession, actor: Actor, agent_id: int | None, team_id: int | None
) -> None:
    if agent_id is not None:
        agent = await fetch_owned(session, actor, Agent, agent_id, "agent", permission=None)
        if not agent.active:
            raise Conflict(f"{agent.display_name} no longer works here", field="agent_id")
    if team_id is not None:
        await fetch_owned(session, actor, Team, team_id, "team", permission=None)


def _check_may_assign(actor: Actor, conversation: Conversation, agent_id: int | None) -> None:
    """Agents take unassigned conversations and hand on their own; supervisors anything."""
    if actor.can(Permission.SUPERVISE_CONVERSATIONS):
        return
    current = conversation.assigned_agent_id
    if current not in (None, actor.id) or (current is None and agent_id != actor.id):
        raise Forbidden("only a supervisor may reassign another agent's conversation")


async def do_assign_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    agent_id: int | None,
    team_id: int | None = None,
    note: str | None = None,
) -> Conversation:
    """Assign (or transfer) to an agent and/or team; ``agent_id=None`` puts it back in
    the queue. A note for the next agent is stored as an internal message."""
    conversation = await _load_locked(session, actor, conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise Conflict("this conversation is closed")
    await _check_assignee(session, actor, agent_id, team_id)
    _check_may_assign(actor, conversation, agent_id)
    before = snapshot(conversation)
    previous = conversation.assigned_agent_id
    was_queued = (
        previous is None
        and conversation.status is ConversationStatus.OPEN
        and not conversation.with_bot
    )
    conversation.assigned_agent_id = agent_id
    conversation.with_bot = False  # a person takes over from the bot (or queues it)
    conversation.team_id = team_id
    if previous is not None and previous != agent_id:
        transfer_facts(session, conversation, previous, utcnow())
    if agent_id is None:
        conversation.queued_at = utcnow()
    else:  # a person's choice is never refused for capacity (the API reports it)
        (await session.get_one(Agent, agent_id)).last_assigned_at = utcnow()
        await credit_opened(session, conversation, agent_id)
    await session.flush()
    record_audit(
        session,
        actor,
        "conversation.assign",
        "conversation",
        conversation.id,
        before=before,
        after=snapshot(conversation),
    )
    if note is not None and note.strip():
        note_message = Message(
            shop_id=actor.shop_id,
            conversation_id=conversation.id,
            sender_kind=SenderKind.AGENT if actor.kind == "agent" else SenderKind.SYSTEM,
            sender_id=actor.id if actor.kind == "agent" else None,
            kind=MessageKind.NOTE,
            body=clean_text(note, "note", "transfer note", MAX_SUMMARY),
            payload={"transfer": {"from_agent_id": previous, "to_agent_id": agent_id}},
        )
        session.add(note_message)
        await session.flush()
        await announce_message(session, conversation, note_message)
    await announce_change(session, conversation, "assigned" if previous is None else "transferred")
    await _routing().rebalance(session, actor.shop_id, [conversation] if was_queued else [])
    return conversation


async def do_snooze_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int, *, until: datetime
) -> Conversation:
    """Put a conversation aside until ``until`` (it comes back open when the shopper writes)."""
    conversation = await load_for_staff(session, actor, conversation_id)
    if until.tzinfo is None:
        raise Invalid("give the time with its time zone", field="until")
    if until <= utcnow():
        raise Invalid("snooze until a time in the future", field="until")
    if conversation.status is ConversationStatus.CLOSED:
        raise Conflict("this conversation is closed")
    return await _change(
        session,
        actor,
        conversation,
        "snoozed",
        status=ConversationStatus.SNOOZED,
        snoozed_until=until,
    )


async def do_wake_snoozed(session: AsyncSession, now: datetime) -> int:
    """Open again every conversation whose snooze time has come, and tell both sides
    (change ``unsnoozed``). The status moves in one guarded ``UPDATE … RETURNING``, so two
    workers at once wake each conversation once. Returns how many woke."""
    due = (Conversation.status == ConversationStatus.SNOOZED, Conversation.snoozed_until <= now)
    if not await any_row(session, Conversation, *due):
        return 0
    woken = await session.scalars(
        update(Conversation)
        .where(*due)
        .values(status=ConversationStatus.OPEN, snoozed_until=None, updated_at=now)
        .returning(Conversation.id)
    )
    ids = list(woken)
    for conversation_id in ids:
        conversation = await session.get(Conversation, conversation_id, populate_existing=True)
        if conversation is not None:
            await announce_change(session, conversation, "unsnoozed")
    return len(ids)


async def do_close_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    summary: str | None = None,
    disposition: str | None = None,
) -> Conversation:
    """Close with the agent's summary (记录总结) and a disposition such as "resolved";
    the worker then scores it (a pending scorecard, kefu.actions.scorecards)."""
    conversation = await _load_locked(session, actor, conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise Conflict("this conversation is already closed")
    was_queued = (
        conversation.assigned_agent_id is None
        and conversation.status is ConversationStatus.OPEN
        and not conversation.with_bot
    )
    closed_at = utcnow()
    resolved_facts(session, conversation, actor.id if actor.kind == "agent" else None, closed_at)
    await _change(
        session,
        actor,
        conversation,
        "closed",
        status=ConversationStatus.CLOSED,
        closed_at=closed_at,
        snoozed_until=None,
        summary=None if not summary else clean_text(summary, "summary", "summary", MAX_SUMMARY),
        disposition=None
        if not disposition
        else clean_text(disposition, "disposition", "disposition", 64),
    )
    await queue_scorecard(session, conversation, closed_at)
    await ask_for_rating(session, conversation)  # e-mail shoppers have no widget to rate in
    # The agent has room for one more; a waiting shopper behind it moves up.
    await _routing().rebalance(session, actor.shop_id, [conversation] if was_queued else [])
    return conversation


async def do_rate_conversation(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    rating: int,
    comment: str | None = None,
) -> Conversation:
    """The shopper's 1–5 rating with an optional comment, once per conversation.

    Visitors rate their own conversation; an API key rates on behalf of a shopper of
    the API channel. Agents never rate their own work."""
    if actor.kind == "agent":
        raise Forbidden("only the shopper rates a conversation")
    if not actor.is_visitor:
        actor.require(Permission.HANDLE_CONVERSATIONS)
    conversation = await get_conversation(session, actor, conversation_id)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise Invalid("rating must be a whole number from 1 to 5", field="rating")
    if conversation.rating is not None:
        raise Conflict("this conversation has already been rated")
    rated = await _change(
        session,
        actor,
        conversation,
        "rated",
        rating=rating,
        rating_comment=None
        if not comment
        else clean_text(comment, "comment", "comment", MAX_COMMENT),
    )
    await rating_facts(session, rated, utcnow())
    await open_review_followup(session, rated)
    return rated


async def _change(
    session: AsyncSession, actor: Actor, conversation: Conversation, change: str, **values: Any
) -> Conversation:
    """Apply ``values``, audit (people and keys; a visitor's rating is its own record),
    and tell both sides."""
    before = snapshot(conversation)
    for key, value in values.items():
        setattr(conversation, key, value)
    await session.flush()
    if not actor.is_visitor:
        record_audit(
            session,
            actor,
            f"conversation.{change}",
            "conversation",
            conversation.id,
            before=before,
            after=snapshot(conversation),
        )
    await announce_change(session, conversation, change)
    return conversation
