"""Rising topics of the shop's shoppers: their text messages of the last seven days of a
report period against the 28 days before, grouped by ``kefu.lib.topics``.

Bounded so it stays fast at any volume: the newest ``SAMPLE`` messages of each window
(20,000 in all) and the first ``TEXT_CHARS`` characters of each; the grouping runs in a
thread, so a big shop's analysis never stalls the server's other requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models.conversations import Conversation, Message, MessageKind, SenderKind
from kefu.reports.periods import Filters, Period
from kefu.reports.views import conversation_matching

RECENT_DAYS = 7
REFERENCE_DAYS = 28
SAMPLE = 10_000  # newest messages read from each window
TEXT_CHARS = 500  # of each message: enough for what it is about
MAX_TOPICS = 30


@dataclass(frozen=True, slots=True)
class ShopperMessage:
    message_id: int
    conversation_id: int
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TopicOfShop:
    terms: list[str]
    now: int
    before: int
    share_now: float
    share_before: float
    rising: float
    examples: list[ShopperMessage]


@dataclass(frozen=True, slots=True)
class TopicsReport:
    recent_start: datetime
    reference_start: datetime
    end: datetime
    recent_messages: int  # read (at most SAMPLE)
    reference_messages: int
    topics: list[TopicOfShop]


async def _shopper_texts(
    session: AsyncSession, shop_id: int, start: datetime, end: datetime, filters: Filters
) -> list[ShopperMessage]:
    """The newest ``SAMPLE`` text messages shoppers wrote in [start, end)."""
    query = select(Message.id, Message.conversation_id, Message.body, Message.created_at).where(
        Message.shop_id == shop_id,
        Message.sender_kind == SenderKind.VISITOR,
        Message.kind == MessageKind.TEXT,
        Message.created_at >= start,
        Message.created_at < end,
    )
    wanted = conversation_matching(filters)
    if wanted:
        query = query.join(Conversation, Conversation.id == Message.conversation_id)
        query = query.where(*wanted)
    rows = await session.execute(query.order_by(Message.id.desc()).limit(SAMPLE))
    return [ShopperMessage(i, c, (body or "")[:TEXT_CHARS], at) for i, c, body, at in rows.all()]


def _group(recent: list[str], reference: list[str], limit: int):  # type: ignore[no-untyped-def]
    """Imported here, not at the top: the grouping brings numpy and scikit-learn, which a
    server nobody asks for topics should not load at start-up (``kefu bench idle``)."""
    from kefu.lib.topics import rising_topics
    from kefu.understanding.normalize import fold

    return rising_topics(recent, reference, fold=fold, limit=limit)


async def shop_topics(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    filters: Filters = Filters(),
    *,
    limit: int = 10,
) -> TopicsReport:
    """The most rising topics of the last ``RECENT_DAYS`` days up to the period's end."""
    actor.require(Permission.VIEW_REPORTS)
    end = period.end
    recent_start = end - timedelta(days=RECENT_DAYS)
    reference_start = recent_start - timedelta(days=REFERENCE_DAYS)
    recent = await _shopper_texts(session, actor.shop_id, recent_start, end, filters)
    reference = await _shopper_texts(session, actor.shop_id, reference_start, recent_start, filters)
    found = await asyncio.to_thread(
        _group, [m.text for m in recent], [m.text for m in reference], min(limit, MAX_TOPICS)
    )
    topics = [
        TopicOfShop(
            t.terms,
            t.now,
            t.before,
            t.share_now,
            t.share_before,
            t.rising,
            [recent[i] for i in t.examples],
        )
        for t in found
    ]
    return TopicsReport(recent_start, reference_start, end, len(recent), len(reference), topics)
