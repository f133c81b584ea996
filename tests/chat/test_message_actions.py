"""do_send_message under a retry race, and the replay log each action writes."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from kefu.access import Actor
from kefu.actions.messages import do_send_message
from kefu.models import Message, StreamEvent
from kefu.queries.auth import visitor_actor


async def _visitor(sessionmaker, settings, shopper) -> Actor:
    async with sessionmaker() as session:
        return await visitor_actor(session, settings.secret_key, shopper.token)


async def test_two_racing_retries_store_one_message(sessionmaker, settings, shopper):
    actor = await _visitor(sessionmaker, settings, shopper)
    client_id = uuid.uuid4()

    async def send() -> int:
        async with sessionmaker() as session:
            message = await do_send_message(
                session, actor, shopper.conversation_id, "快递到哪了？", client_id
            )
            await session.commit()
            return message.id

    first, second = await asyncio.gather(send(), send())
    assert first == second
    async with sessionmaker() as session:
        stored = await session.scalar(select(func.count()).where(Message.client_id == client_id))
        announced = await session.scalar(
            select(func.count()).where(
                StreamEvent.name == "message.created",
                StreamEvent.stream == f"visitor:{shopper.public_id}",
            )
        )
    assert (stored, announced) == (1, 1)


async def test_a_failed_write_leaves_no_event_behind(sessionmaker, settings, shopper):
    actor = await _visitor(sessionmaker, settings, shopper)
    async with sessionmaker() as session:
        await do_send_message(session, actor, shopper.conversation_id, "草稿", uuid.uuid4())
        await session.rollback()
    async with sessionmaker() as session:
        names = list(await session.scalars(select(StreamEvent.name).order_by(StreamEvent.id)))
    assert names == ["conversation.started", "conversation.started"]  # shop's and visitor's
