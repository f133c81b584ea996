"""do_send_message under a retry race, and the replay log each action writes."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select

from kefu.access import Actor
from kefu.actions.messages import MessageToSend, do_send_message
from kefu.batches import commit_batch
from kefu.errors import Invalid
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


async def test_one_batch_stores_each_message_once_and_refuses_only_the_bad_one(
    sessionmaker, settings, shopper
):
    """A group commit inserts its messages in one statement: a retry in the same batch and
    a retry of an earlier message get the stored one, an empty message alone is refused."""
    actor = await _visitor(sessionmaker, settings, shopper)
    earlier, twice = uuid.uuid4(), uuid.uuid4()
    async with sessionmaker() as session:
        before = await do_send_message(session, actor, shopper.conversation_id, "在吗", earlier)
        await session.commit()
    units = [
        MessageToSend(actor, shopper.conversation_id, "第一条", twice),
        MessageToSend(actor, shopper.conversation_id, "   ", uuid.uuid4()),
        MessageToSend(actor, shopper.conversation_id, "第一条", twice),
        MessageToSend(actor, shopper.conversation_id, "在吗", earlier),
        MessageToSend(actor, shopper.conversation_id, "第二条", uuid.uuid4()),
    ]
    async with sessionmaker() as session:
        outcomes = await session.run_sync(commit_batch, units)
    assert [ok for ok, _value in outcomes] == [True, False, True, True, True]
    assert isinstance(outcomes[1][1], Invalid)
    first, _refused, again, retried, _second = (value for _ok, value in outcomes)
    assert again.message_id == first.message_id
    assert retried.message_id == before.id
    async with sessionmaker() as session:
        bodies = list(await session.scalars(select(Message.body).order_by(Message.id)))
        announced = list(
            await session.scalars(
                select(StreamEvent.payload["message"]["body"].as_string())
                .where(
                    StreamEvent.name == "message.created",
                    StreamEvent.stream == f"visitor:{shopper.public_id}",
                )
                .order_by(StreamEvent.id)
            )
        )
    assert bodies == ["在吗", "第一条", "第二条"]
    assert announced == bodies
