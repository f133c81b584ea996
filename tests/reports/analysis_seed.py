"""A shop's history for the analysis reports, written straight to the database: shoppers'
messages of two windows (a zipper complaint run in the last week), conversations opened
every day for three weeks, and first messages of conversations some of which converted.

The period ends on ``END_DAY`` (Shanghai), so its end is 2026-11-29 16:00 UTC: the recent
window is the 7 days before, the reference the 28 days before that."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.conversations import Conversation, Message, MessageKind, SenderKind
from kefu.models.reports import ReportKind
from kefu.reports.facts import record_fact
from kefu.reports.rollup import fold_once
from tests.lib.test_topics import LOGISTICS, PRICES, SIZES, ZIPPER

END_DAY = date(2026, 11, 29)
END = datetime(2026, 11, 29, 16, tzinfo=UTC)  # midnight after END_DAY in Shanghai
PERIOD = {"end": END_DAY.isoformat()}
SCRIPT = "<script>document.title='pwned'</script>拉链坏了"


async def conversation_with(
    session: AsyncSession, shop_id: int, at: datetime, *texts: str, sender=SenderKind.VISITOR
) -> Conversation:
    """A conversation opened at ``at`` in which ``texts`` were written a minute apart."""
    conversation = Conversation(shop_id=shop_id, created_at=at, updated_at=at, queued_at=at)
    session.add(conversation)
    await session.flush()
    for minute, text in enumerate(texts):
        session.add(
            Message(
                shop_id=shop_id,
                conversation_id=conversation.id,
                sender_kind=sender,
                kind=MessageKind.TEXT,
                body=text,
                client_id=uuid.uuid4(),
                created_at=at + timedelta(minutes=minute),
            )
        )
    await session.flush()
    return conversation


async def seed_topics(session: AsyncSession, shop_id: int) -> None:
    """Reference: 100 ordinary questions and one zipper complaint over 8–34 days before
    the end. Recent: 30 ordinary questions and 12 zipper complaints in three wordings
    (one carrying a script, so it is among the examples shown) over the last 6 days."""
    rng = random.Random(3)
    chatter = (*LOGISTICS, *SIZES, *PRICES)
    reference = [rng.choice(chatter) for _ in range(100)] + [ZIPPER[0]]
    zippers = [ZIPPER[0]] * 6 + [ZIPPER[1]] * 5 + [SCRIPT]
    recent = [rng.choice(chatter) for _ in range(30)] + zippers
    for texts, first_day, days in ((reference, 8, 26), (recent, 0, 6)):
        for i, text in enumerate(texts):
            at = END - timedelta(days=first_day + i % days, hours=1 + i % 12)
            await conversation_with(session, shop_id, at, text)


async def seed_openings(session: AsyncSession, shop_id: int) -> None:
    """Three weeks before the end: every day 2 conversations opened at 13:00 UTC and 1 at
    06:00 UTC (3 and 10 hours before the end's hour of day)."""
    for day in range(21):
        for hours_before, count in ((3, 2), (10, 1)):
            for _ in range(count):
                record_fact(
                    session,
                    shop_id,
                    ReportKind.CONVERSATION_OPENED,
                    occurred_at=END - timedelta(days=day, hours=hours_before),
                    channel="web",
                )
    await session.flush()
    await fold_once(session)


async def seed_intents(session: AsyncSession, shop_id: int) -> None:
    """First messages of 7 conversations on 1 October (before the topics' windows): sizes
    ×3 (2 converted), delivery ×2 (none; one goes on to bargain), bargaining ×1
    (converted), and one where only the agent wrote."""
    at = datetime(2026, 10, 1, 2, tzinfo=UTC)
    plan = [
        (("我165cm 110斤穿什么码",), True),
        (("我165cm 110斤穿什么码",), True),
        (("我165cm 110斤穿什么码",), False),
        (("快递怎么还没到",), False),
        (("快递怎么还没到", "能便宜点吗"), False),
        (("能便宜点吗",), True),
    ]
    for texts, converted in plan:
        conversation = await conversation_with(session, shop_id, at, *texts)
        if converted:
            record_fact(
                session,
                shop_id,
                ReportKind.CONVERSION,
                value=15900,
                occurred_at=at + timedelta(hours=1),
                conversation_id=conversation.id,
            )
    await conversation_with(session, shop_id, at, "亲，在的", sender=SenderKind.AGENT)
    await session.flush()


@pytest.fixture
async def acme_history(sessionmaker, owen) -> None:
    """Acme's history for all three analyses."""
    async with sessionmaker() as session:
        await seed_topics(session, owen.shop_id)
        await seed_openings(session, owen.shop_id)
        await seed_intents(session, owen.shop_id)
        await session.commit()
