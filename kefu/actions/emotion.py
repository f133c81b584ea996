"""The shopper's emotion, kept as their messages arrive (docs/quality.md#emotion): the
conversation's colour and its timeline, the customer's emotional account, and the
``emotion.red`` alert to the agent and the supervisors.

It runs on the chat's send path (a synchronous session, many messages to a group
commit), so it stays cheap: a lexicon read of the message (no model, no query), and
writes only when something changes: the colour, or a positive or negative exchange."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.actions.conversations import staff_stream
from kefu.actions.streams import emit_sync
from kefu.events import EmotionRed, agent_stream
from kefu.models import Conversation, Message
from kefu.models.quality import AccountEntry, Emotion, EmotionChange
from kefu.quality.emotion import NEGATIVE_DELTA, POSITIVE_DELTA, next_colour, read_message
from kefu.queries.people import supervisor_ids


def note_shopper_emotion(
    session: Session, conversation: Conversation, message: Message, *, alert: bool = True
) -> None:
    """Read a shopper's text message and move the conversation's colour and the
    customer's account accordingly. ``alert=False`` reads history (the demo's): nobody
    is alerted about a conversation that turned red months ago."""
    reading = read_message(message.body)
    before = Emotion(conversation.emotion or Emotion.GREEN)
    after = Emotion(next_colour(before.value, reading))
    if after is not before:
        conversation.emotion, conversation.emotion_at = after, message.created_at
        session.add(
            EmotionChange(
                shop_id=conversation.shop_id,
                conversation_id=conversation.id,
                message_id=message.id,
                emotion=after,
                previous=before,
                words=list(reading.words) if reading.colour == after.value else [],
                created_at=message.created_at,
            )
        )
    if after is Emotion.RED and before is not Emotion.RED:
        _account(session, conversation, message, NEGATIVE_DELTA, reading.words)
        if alert:
            _alert(session, conversation, message, before, reading.words)
    elif reading.positive and _last_delta(session, conversation) != POSITIVE_DELTA:
        _account(session, conversation, message, POSITIVE_DELTA, reading.words)


def _last_delta(session: Session, conversation: Conversation) -> int | None:
    """The conversation's latest account move: a positive exchange counts once until the
    next negative one (thanking five times in a row is one good exchange)."""
    return session.scalar(
        select(AccountEntry.delta)
        .where(AccountEntry.conversation_id == conversation.id)
        .order_by(AccountEntry.id.desc())
        .limit(1)
    )


def _account(
    session: Session,
    conversation: Conversation,
    message: Message,
    delta: int,
    words: tuple[str, ...],
) -> None:
    session.add(
        AccountEntry(
            shop_id=conversation.shop_id,
            customer_id=conversation.customer_id,
            visitor_id=None if conversation.customer_id else conversation.visitor_id,
            conversation_id=conversation.id,
            message_id=message.id,
            delta=delta,
            words=list(words),
            created_at=message.created_at,
        )
    )


def _alert(
    session: Session,
    conversation: Conversation,
    message: Message,
    before: Emotion,
    words: tuple[str, ...],
) -> None:
    """``emotion.red`` to whoever has the conversation (its agent, or the whole shop while
    it waits) and to the shop's supervisors and owners."""
    streams = {staff_stream(conversation)}
    streams |= {
        agent_stream(agent_id) for agent_id in session.scalars(supervisor_ids(conversation.shop_id))
    }
    payload = {
        "conversation_id": conversation.id,
        "message_id": message.id,
        "emotion": Emotion.RED.value,
        "previous": before.value,
        "words": list(words),
        "assigned_agent_id": conversation.assigned_agent_id,
        "customer_id": conversation.customer_id,
        "at": message.created_at.isoformat(),
    }
    emit_sync(session, EmotionRed(conversation.shop_id, payload, frozenset(streams)))
