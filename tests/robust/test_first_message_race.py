"""Two first messages from one shopper at the same moment (two tabs, a retry racing the
original) must land in one conversation, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from kefu.access import Actor
from kefu.actions.visitors import do_identify_visitor
from kefu.actions.widget import do_leave_offline_message
from kefu.models import Conversation, ConversationStatus, Message, Shop
from kefu.queries.auth import visitor_actor
from tests.chat.conftest import make_shopper


async def _new_visitor(sessionmaker, shop_id: int) -> Actor:
    async with sessionmaker() as session:
        shop = await session.get_one(Shop, shop_id)
        visitor = await do_identify_visitor(
            session, shop, public_id=None, user_agent="Mozilla/5.0 (iPhone)", page="/p/8"
        )
        await session.commit()
        return Actor.visitor(shop.id, visitor.id, visitor.public_id)


async def _leave(sessionmaker, visitor: Actor, body: str) -> int:
    async with sessionmaker() as session:
        conversation, _ = await do_leave_offline_message(
            session,
            visitor,
            name="王女士",
            contact="13800138000",
            body=body,
            client_id=uuid.uuid4(),
        )
        await session.commit()
        return conversation.id


async def test_two_first_messages_at_once_start_one_conversation(sessionmaker, alice):
    for attempt in range(5):  # each round a fresh shopper whose two tabs race
        visitor = await _new_visitor(sessionmaker, alice.shop_id)
        ids = await asyncio.gather(
            _leave(sessionmaker, visitor, f"第{attempt}轮：在吗？"),
            _leave(sessionmaker, visitor, f"第{attempt}轮：我想问下发货时间"),
        )
        assert ids[0] == ids[1]
        async with sessionmaker() as session:
            started = await session.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.visitor_id == visitor.id)
            )
            messages = await session.scalar(
                select(func.count()).select_from(Message).where(Message.conversation_id == ids[0])
            )
        assert (started, messages) == (1, 2)


async def test_two_widget_starts_at_once_answer_the_same_conversation(
    client, sessionmaker, settings, personas
):
    shopper = await make_shopper(client)
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
        closed = await session.get_one(Conversation, shopper.conversation_id)
        closed.status = ConversationStatus.CLOSED
        await session.commit()
    starts = await asyncio.gather(
        *(
            client.post(
                "/api/v1/widget/conversations", json={"skill": "aftersale"}, headers=shopper.headers
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in starts] == [200, 200]
    assert starts[0].json()["id"] == starts[1].json()["id"] != shopper.conversation_id
    async with sessionmaker() as session:
        open_ones = await session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(
                Conversation.visitor_id == actor.id,
                Conversation.status != ConversationStatus.CLOSED,
            )
        )
    assert open_ones == 1
