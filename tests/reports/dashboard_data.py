"""Two days of a shop's facts with hand-computed figures, for the dashboards' API and
browser tests. Monday's facts are folded into rollups, Tuesday's are not, so every figure
adds the two halves.

Monday 2 and Tuesday 3 November 2026 in Shanghai (UTC+8):

| conv | opened (local)  | channel | shopper | agent | first response | status  | order   |
|------|-----------------|---------|---------|-------|----------------|---------|---------|
| c1   | Mon 09:05       | web     | 王芳    | alice | 40 s           | closed  | ¥99     |
| c2   | Mon 14:20       | web     | 李先生* | bob   | 200 s          | open    | —       |
| c3   | Tue 00:30 (Mon 16:30 UTC) | api | 张伟 | alice | 100 s     | closed  | ¥159    |
| c4   | Tue 10:00       | web     | 王芳    | bob   | —              | pending | ¥49 (repeat) |
(* a visitor's name, not a customer.) Visits: 4 on Monday, 2 on Tuesday. Every
conversation was an inquiry; c1, c3, c4 converted and their orders were paid.

Funnel: visit 6 → chat 4 → inquiry 4 → order 3 → paid 3 → repurchase 1.
Conversion rate: Monday 1/2 = 0.5, Tuesday 2/2 = 1.0; the period 3/4 = 0.75.
Heatmap: Monday 9 h and 14 h, Tuesday 0 h and 10 h, one each.
Mallory's shop gets the same kinds of facts on the same days, which must never show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from kefu.models import (
    Agent,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    Presence,
    Visitor,
)
from kefu.models.base import utcnow
from kefu.models.reports import ReportKind as K
from kefu.reports.facts import record_fact
from kefu.reports.rollup import fold_once

FIRST_DAY = date(2026, 11, 2)
LAST_DAY = date(2026, 11, 3)
PERIOD = {"start": "2026-11-02", "end": "2026-11-03"}
MON = datetime(2026, 11, 2, tzinfo=UTC) - timedelta(hours=8)  # Monday 00:00 in Shanghai
QUEUED_SECONDS = 300  # c5 has waited this long (at least) when the test reads


@dataclass(frozen=True, slots=True)
class Seeded:
    c1: int
    c2: int
    c3: int
    c4: int
    queued: int


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """Local (Shanghai) wall-clock time on day 0 (Monday) or 1 (Tuesday), in UTC."""
    return MON + timedelta(days=day, hours=hour, minutes=minute)


async def _conversation(session, shop_id: int, **fields) -> Conversation:
    conversation = Conversation(shop_id=shop_id, **fields)
    session.add(conversation)
    await session.flush()
    return conversation


async def seed_two_days(sessionmaker, alice, bob) -> Seeded:
    """The table above in alice's shop, plus a shopper waiting in the queue now."""
    shop = alice.shop_id
    async with sessionmaker() as session:
        wang = Customer(shop_id=shop, external_id="C-1", name="王芳")
        zhang = Customer(shop_id=shop, external_id="C-2", name="张伟")
        li = Visitor(shop_id=shop, public_id="v-li-0001", display_name="李先生")
        session.add_all([wang, zhang, li])
        await session.flush()
        closed = ConversationStatus.CLOSED
        c1 = await _conversation(
            session,
            shop,
            channel=Channel.WEB,
            status=closed,
            customer_id=wang.id,
            assigned_agent_id=alice.agent_id,
            created_at=_at(0, 9, 5),
            rating=5,
            closed_at=_at(0, 9, 30),
        )
        c2 = await _conversation(
            session,
            shop,
            channel=Channel.WEB,
            status=ConversationStatus.OPEN,
            visitor_id=li.id,
            assigned_agent_id=bob.agent_id,
            created_at=_at(0, 14, 20),
        )
        c3 = await _conversation(
            session,
            shop,
            channel=Channel.API,
            status=closed,
            customer_id=zhang.id,
            assigned_agent_id=alice.agent_id,
            created_at=_at(1, 0, 30),
            closed_at=_at(1, 1),
        )
        c4 = await _conversation(
            session,
            shop,
            channel=Channel.WEB,
            status=ConversationStatus.PENDING,
            customer_id=wang.id,
            assigned_agent_id=bob.agent_id,
            created_at=_at(1, 10),
        )
        waiting = await _conversation(
            session,
            shop,
            channel=Channel.WEB,
            status=ConversationStatus.OPEN,
            queued_at=utcnow() - timedelta(seconds=QUEUED_SECONDS),
        )
        (await session.get(Agent, alice.agent_id)).presence = Presence.ONLINE
        await session.commit()
        seeded = Seeded(c1.id, c2.id, c3.id, c4.id, waiting.id)

        monday = [(c1, 40, 9900, False), (c2, 200, None, False)]
        tuesday = [(c3, 100, 15900, False), (c4, None, 4900, True)]
        for day, visits, rows in ((0, 4, monday), (1, 2, tuesday)):
            for _ in range(visits):
                record_fact(session, shop, K.VISIT, occurred_at=_at(day, 8), channel="web")
            for conversation, seconds, cents, repeat in rows:
                facts = _conversation_facts(conversation, seconds, cents, repeat)
                for kind, value, offset in facts:
                    record_fact(
                        session,
                        shop,
                        kind,
                        value=value,
                        occurred_at=conversation.created_at + timedelta(minutes=offset),
                        conversation_id=conversation.id,
                        agent_id=None
                        if kind is K.CONVERSATION_OPENED
                        else conversation.assigned_agent_id,
                        channel=conversation.channel.value,
                    )
            await session.commit()
            if day == 0:
                assert await fold_once(session) > 0
                await session.commit()
    return seeded


def _conversation_facts(conversation, seconds, cents, repeat) -> list[tuple[K, int, int]]:
    """(kind, value, minutes after opening) of one conversation's facts, in time order."""
    facts = [(K.CONVERSATION_OPENED, 0, 0), (K.INQUIRY, 0, 0)]
    if seconds is not None:
        facts.append((K.FIRST_RESPONSE, seconds, 1))
    if cents is not None:
        facts += [(K.CONVERSION, cents, 10), (K.ORDER_PAID, cents, 10)]
    if repeat:
        facts.append((K.REPEAT_ORDER, cents, 10))
    return facts


async def seed_other_shop(sessionmaker, mallory) -> None:
    """Facts of every funnel kind in mallory's shop on the same days (none may show)."""
    async with sessionmaker() as session:
        theirs = await _conversation(
            session,
            mallory.shop_id,
            channel=Channel.WEB,
            created_at=_at(0, 9),
            assigned_agent_id=mallory.agent_id,
        )
        for kind in (K.VISIT, K.CONVERSATION_OPENED, K.INQUIRY, K.CONVERSION, K.ORDER_PAID):
            for day in (0, 1):
                record_fact(
                    session,
                    mallory.shop_id,
                    kind,
                    value=777,
                    occurred_at=_at(day, 9),
                    conversation_id=theirs.id,
                    agent_id=mallory.agent_id,
                    channel="web",
                )
        await session.commit()
