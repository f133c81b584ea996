"""Which intents precede orders: for the shop's conversations of a report period, the
intent of the shopper's first text message against whether a conversion fact (an
inquiry's shopper paid an order) was recorded for the conversation; a conversion rate per
intent, highest first.

Conversations do not store an intent, so the first message of each is classified here by
the default intent model (``kefu intent predict``'s), in one vectorised batch in a
thread. Bounded: the newest ``SAMPLE`` conversations of the period."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models.conversations import Conversation, Message, MessageKind, SenderKind
from kefu.models.reports import ReportEvent, ReportKind
from kefu.reports.periods import Filters, Period
from kefu.reports.views import conversation_matching

SAMPLE = 5_000
TEXT_CHARS = 500


@dataclass(frozen=True, slots=True)
class IntentConversion:
    intent: str
    conversations: int
    converted: int

    @property
    def rate(self) -> float:
        return round(self.converted / self.conversations, 4)


@dataclass(frozen=True, slots=True)
class IntentsReport:
    conversations: int  # read (at most SAMPLE), with or without a shopper message
    without_message: int  # no text from the shopper: no intent to tell
    converted: int  # of those with a message
    intents: list[IntentConversion]


def _predict(texts: list[str]) -> list[str]:
    from kefu.understanding.default import default_model

    return default_model().predict(texts).labels


async def intents_before_orders(
    session: AsyncSession, actor: Actor, period: Period, filters: Filters = Filters()
) -> IntentsReport:
    actor.require(Permission.VIEW_REPORTS)
    conversations = select(Conversation.id).where(
        Conversation.shop_id == actor.shop_id,
        Conversation.created_at >= period.start,
        Conversation.created_at < period.end,
    )
    conversations = conversations.where(*conversation_matching(filters))
    sampled = conversations.order_by(Conversation.id.desc()).limit(SAMPLE).subquery()
    ids = select(sampled.c.id)
    total = await session.scalar(select(func.count()).select_from(sampled)) or 0
    first = (
        select(func.min(Message.id))
        .where(
            Message.shop_id == actor.shop_id,
            Message.conversation_id.in_(ids),
            Message.sender_kind == SenderKind.VISITOR,
            Message.kind == MessageKind.TEXT,
        )
        .group_by(Message.conversation_id)
    )
    rows = (
        await session.execute(
            select(Message.conversation_id, Message.body).where(Message.id.in_(first))
        )
    ).all()
    converted = set(
        await session.scalars(
            select(ReportEvent.conversation_id)
            .where(
                ReportEvent.shop_id == actor.shop_id,
                ReportEvent.kind == ReportKind.CONVERSION,
                ReportEvent.conversation_id.in_(ids),
            )
            .distinct()
        )
    )
    texts = [(body or "")[:TEXT_CHARS] for _, body in rows]
    labels = await asyncio.to_thread(_predict, texts) if texts else []
    counts: dict[str, list[int]] = {}
    for (conversation_id, _), intent in zip(rows, labels, strict=True):
        seen = counts.setdefault(intent, [0, 0])
        seen[0] += 1
        seen[1] += conversation_id in converted
    intents = [IntentConversion(i, n, c) for i, (n, c) in counts.items()]
    intents.sort(key=lambda r: (-r.rate, -r.conversations, r.intent))
    with_message = {conversation_id for conversation_id, _ in rows}
    return IntentsReport(total, total - len(rows), len(with_message & converted), intents)
