"""Results of the phrase A/B tests: per variant, the conversations that got it and what
followed the first use there: did the shopper reply, did the customer order (paid or
further) within 3 days, and how the conversation was rated. The reply and order rates
of each variant are compared with the first's by the campaigns' z-test and 95 % interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.crm.outreach import conversions
from kefu.crm.stats import Comparison, compare_rates
from kefu.models import (
    Conversation,
    Message,
    PhraseTest,
    PhraseUse,
    QuickPhrase,
    SenderKind,
)

ORDER_DAYS = 3  # an order within 72 h of the script counts for it


@dataclass(slots=True)
class VariantOutcome:
    index: int
    text: str
    conversations: int = 0
    replied: int = 0
    ordered: int = 0
    rated: int = 0
    stars: int = 0

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.conversations if self.conversations else None

    @property
    def order_rate(self) -> float | None:
        return self.ordered / self.conversations if self.conversations else None

    @property
    def rating(self) -> float | None:
        return self.stars / self.rated if self.rated else None


@dataclass(slots=True)
class TestResults:
    test: PhraseTest
    phrase: QuickPhrase
    variants: list[VariantOutcome]
    reply: list[Comparison | None]  # variant i+1 against variant 0
    order: list[Comparison | None]


async def _first_uses(
    session: AsyncSession, test: PhraseTest
) -> list[tuple[int, int, datetime, int | None, int | None]]:
    """(conversation, variant, first use, customer, rating) per conversation tested."""
    first = (
        select(
            PhraseUse.conversation_id, PhraseUse.variant, func.min(PhraseUse.used_at).label("at")
        )
        .where(PhraseUse.shop_id == test.shop_id, PhraseUse.test_id == test.id)
        .group_by(PhraseUse.conversation_id, PhraseUse.variant)
        .subquery()
    )
    rows = await session.execute(
        select(
            first.c.conversation_id,
            first.c.variant,
            first.c.at,
            Conversation.customer_id,
            Conversation.rating,
        )
        .join(Conversation, Conversation.id == first.c.conversation_id)
        .order_by(first.c.conversation_id, first.c.at)
    )
    seen: dict[int, tuple[int, int, datetime, int | None, int | None]] = {}
    for row in rows:
        seen.setdefault(row[0], tuple(row))  # type: ignore[arg-type]
    return list(seen.values())


async def _last_shopper_messages(
    session: AsyncSession, shop_id: int, conversation_ids: list[int]
) -> dict[int, datetime]:
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, func.max(Message.created_at))
        .where(
            Message.shop_id == shop_id,
            Message.conversation_id.in_(conversation_ids),
            Message.sender_kind == SenderKind.VISITOR,
        )
        .group_by(Message.conversation_id)
    )
    return {conversation_id: at for conversation_id, at in rows}


async def phrase_test_results(session: AsyncSession, actor: Actor, test: PhraseTest) -> TestResults:
    """The outcomes of each variant of ``test`` (one of the actor's shop's)."""
    actor.require(Permission.READ_SHOP_DATA)
    phrase = await session.get_one(QuickPhrase, test.phrase_id)
    outcomes = [VariantOutcome(i, text) for i, text in enumerate(test.variants)]
    uses = [u for u in await _first_uses(session, test) if u[1] < len(outcomes)]
    last_said = await _last_shopper_messages(session, test.shop_id, [u[0] for u in uses])
    orders = await conversions(
        session, test.shop_id, [(u[3], u[1], u[2]) for u in uses if u[3] is not None], ORDER_DAYS
    )
    for conversation_id, variant, at, _customer, rating in uses:
        outcome = outcomes[variant]
        outcome.conversations += 1
        outcome.replied += last_said.get(conversation_id, at) > at
        if rating is not None:
            outcome.rated += 1
            outcome.stars += rating
    for variant, tally in orders.items():
        outcomes[variant].ordered = tally.converted
    base, rest = outcomes[0], outcomes[1:]
    return TestResults(
        test,
        phrase,
        outcomes,
        [compare_rates(base.replied, base.conversations, o.replied, o.conversations) for o in rest],
        [compare_rates(base.ordered, base.conversations, o.ordered, o.conversations) for o in rest],
    )


async def phrase_tests(session: AsyncSession, actor: Actor) -> list[TestResults]:
    """The shop's phrase tests with their results, running ones first, newest first."""
    actor.require(Permission.READ_SHOP_DATA)
    tests = await session.scalars(
        select(PhraseTest)
        .where(PhraseTest.shop_id == actor.shop_id)
        .order_by(PhraseTest.status.desc(), PhraseTest.id.desc())
    )
    return [await phrase_test_results(session, actor, test) for test in tests]
