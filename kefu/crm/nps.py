"""Net Promoter Score (PRODUCT P7 "Satisfaction"; docs/crm.md): answers to "how likely
are you to recommend us to a friend" on a 0–10 scale, asked in the chat widget after a
conversation is rated, or elsewhere (a journey step's SMS, a marketplace IM) and posted
through the API. NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.crm.settings import whole_in_range
from kefu.errors import Conflict, Invalid
from kefu.lib.times import local_midnight, zone
from kefu.models import Conversation, Customer, NpsAnswer
from kefu.queries.access import fetch_owned
from kefu.queries.conversations import get_conversation
from kefu.queries.shops import get_shop

PROMOTER = 9  # 9–10
DETRACTOR = 6  # 0–6; 7–8 are passives
MAX_COMMENT = 500
MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class Nps:
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        """% promoters − % detractors, one decimal; None without answers."""
        if not self.answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answers, 1)


def nps_of(scores: Iterable[int]) -> Nps:
    """Count the answers into promoters, passives and detractors."""
    scores = list(scores)
    promoters = sum(s >= PROMOTER for s in scores)
    detractors = sum(s <= DETRACTOR for s in scores)
    return Nps(len(scores), promoters, len(scores) - promoters - detractors, detractors)


def _answer(score: Any, comment: Any) -> tuple[int, str | None]:
    score = whole_in_range("score", score, 0, 10)
    if comment is not None and not isinstance(comment, str):
        raise Invalid("a comment is text", field="comment")
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise Invalid(f"a comment has at most {MAX_COMMENT} characters", field="comment")
    return score, comment


async def _store(session: AsyncSession, answer: NpsAnswer) -> NpsAnswer:
    session.add(answer)
    await session.flush()
    return answer


async def do_answer_nps(
    session: AsyncSession,
    visitor: Actor,
    conversation_id: int,
    now: datetime,
    *,
    score: Any,
    comment: Any = None,
) -> NpsAnswer:
    """A shopper's answer in the widget, once per conversation, after rating it."""
    conversation: Conversation = await get_conversation(session, visitor, conversation_id)
    score, comment = _answer(score, comment)
    if conversation.rating is None:
        raise Conflict("rate the conversation first; the question follows the rating")
    answered = await session.scalar(
        select(NpsAnswer.id).where(NpsAnswer.conversation_id == conversation.id)
    )
    if answered is not None:
        raise Conflict("this conversation's question was already answered")
    return await _store(
        session,
        NpsAnswer(
            shop_id=visitor.shop_id,
            customer_id=conversation.customer_id,
            conversation_id=conversation.id,
            score=score,
            comment=comment,
            source="widget",
            answered_at=now,
        ),
    )


async def do_record_nps(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    *,
    score: Any,
    comment: Any = None,
    customer_id: Any = None,
) -> NpsAnswer:
    """An answer collected elsewhere (an SMS reply to a journey step, a marketplace IM),
    posted by the shop's integration or staff; ``customer_id`` when known."""
    actor.require(Permission.WRITE_SHOP_DATA)
    score, comment = _answer(score, comment)
    if customer_id is not None:
        await fetch_owned(session, actor, Customer, customer_id, "customer")
    return await _store(
        session,
        NpsAnswer(
            shop_id=actor.shop_id,
            customer_id=customer_id,
            score=score,
            comment=comment,
            source="api",
            answered_at=now,
        ),
    )


def month_starts(latest: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months up to ``latest``'s, oldest first."""
    index = latest.year * 12 + latest.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


@dataclass(frozen=True, slots=True)
class NpsReport:
    months: list[tuple[date, Nps]]  # shop-local calendar months, oldest first
    total: Nps  # all the answers of those months


async def nps_by_month(
    session: AsyncSession, actor: Actor, now: datetime, months: Any = 6
) -> NpsReport:
    """NPS of each of the last ``months`` calendar months (shop time), this one included."""
    actor.require(Permission.READ_SHOP_DATA)
    months = whole_in_range("months", months, 1, MAX_MONTHS)
    tz = zone((await get_shop(session, actor)).timezone)
    firsts = month_starts(now.astimezone(tz).date(), months)
    rows = await session.execute(
        select(NpsAnswer.answered_at, NpsAnswer.score).where(
            NpsAnswer.shop_id == actor.shop_id,
            NpsAnswer.answered_at >= local_midnight(firsts[0], tz),
            NpsAnswer.answered_at <= now,
        )
    )
    scores: dict[date, list[int]] = {first: [] for first in firsts}
    for answered_at, score in rows:
        scores[answered_at.astimezone(tz).date().replace(day=1)].append(score)
    return NpsReport(
        [(first, nps_of(given)) for first, given in scores.items()],
        nps_of(s for given in scores.values() for s in given),
    )
