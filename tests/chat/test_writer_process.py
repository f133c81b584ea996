"""SQLite's writer process (kefu/writerprocess.py): chat messages are committed there,
refusals come back as they were raised, and a writer that dies is replaced without a
message lost or stored twice."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.orm import sessionmaker

from kefu.actions.messages import MessageToSend, batch_conversations
from kefu.batches import BETWEEN_BATCHES, InThisProcess
from kefu.db import make_sync_sqlite_engine
from kefu.errors import Conflict, Invalid
from kefu.eventbus import EventBus, RecordingBus
from kefu.events import Event
from kefu.groupcommit import GroupCommit
from kefu.lib.frames import StoredEvents
from kefu.models import Conversation, ConversationStatus, Message
from kefu.queries.auth import visitor_actor
from tests.chat.conftest import agent_socket, visitor_socket

pytestmark = pytest.mark.usefixtures("personas")


@pytest.fixture
def sqlite_only(settings):
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("the writer process is SQLite's; PostgreSQL commits on the event loop")


@pytest.mark.parametrize("writer", ["process", "thread"])
async def test_a_batch_is_committed_and_told_to_the_bus_in_either_writer(
    sqlite_only, sessionmaker, settings, shopper, writer
):
    """Both writers commit the messages, hand the replay rows and the events to this
    process's bus, and give a refusal back with its message and field."""
    bus = EventBus()
    stored: list[StoredEvents] = []
    events: list[Event] = []
    bus.on_stored(stored.extend)
    bus.subscribe("*", events.append)
    group_commit = GroupCommit(
        sessionmaker, settings.model_copy(update={"sqlite_writer": writer}), bus=bus
    )
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
    try:
        await group_commit.start()
        assert (group_commit.writer_pid is not None) == (writer == "process")
        assert group_commit.writer_pid != os.getpid()
        sends = [
            MessageToSend(actor, shopper.conversation_id, body, uuid.uuid4())
            for body in ("在吗？", "这件有M码吗", "   ")
        ]
        outcomes = await asyncio.gather(
            *(group_commit.run(send) for send in sends), return_exceptions=True
        )
    finally:
        await group_commit.stop()
    first, second, empty = outcomes
    assert isinstance(empty, Invalid)
    assert (empty.message, empty.field) == ("the message is empty", "body")
    async with sessionmaker() as session:
        bodies = dict(
            (await session.execute(select(Message.id, Message.body).order_by(Message.id))).all()
        )
    assert bodies == {first.message_id: "在吗？", second.message_id: "这件有M码吗"}
    created = [e.payload["message"]["body"] for e in events if e.name == "message.created"]
    assert created == ["在吗？", "这件有M码吗"]
    handed = [frame["data"]["message"]["body"] for rows in stored for _s, frame in rows.frames]
    assert handed == ["在吗？", "在吗？", "这件有M码吗", "这件有M码吗"]  # staff's and visitor's


async def test_a_killed_writer_process_is_replaced_and_a_retry_stores_once(
    sqlite_only, app, server, shopper, personas, sessionmaker
):
    """kill -9 of the writer between messages: the next message starts another writer;
    a message whose answer was lost is sent again with its client_id and stored once."""
    group_commit = app.state.group_commit
    agent = await agent_socket(server, personas["alice"])
    visitor = await visitor_socket(server, shopper)
    try:
        assert (await visitor.say(shopper.conversation_id, "第一条"))["type"] == "ack"
        killed = group_commit.writer_pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        client_id = str(uuid.uuid4())
        answer = await visitor.say(shopper.conversation_id, "第二条", client_id)
        if answer["type"] == "error":  # sent before the server saw the writer go
            assert answer["code"] == "unavailable", answer
            answer = await visitor.say(shopper.conversation_id, "第二条", client_id)
        assert answer["type"] == "ack", answer
        assert group_commit.writer_pid not in (None, killed)
        seen = await agent.message_from("visitor")
        assert seen["data"]["message"]["body"] == "第一条"
        seen = await agent.message_from("visitor")
        assert seen["data"]["message"]["body"] == "第二条"
    finally:
        await agent.close()
        await visitor.close()
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).where(Message.client_id == uuid.UUID(client_id))
        )
    assert stored == 1


async def test_sigterm_ends_an_idle_writer_cleanly_and_the_next_message_starts_another(
    sqlite_only, sessionmaker, settings, shopper, caplog
):
    """A service manager stops the whole process group with SIGTERM: the writer ends at
    once when idle (exit code 0, said in the log), and a message after that is stored."""
    group_commit = GroupCommit(sessionmaker, settings, bus=EventBus())
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
    try:
        await group_commit.start()
        first = group_commit.writer_pid
        os.kill(first, signal.SIGTERM)
        for _ in range(200):
            if group_commit.writer_pid is None:
                break
            await asyncio.sleep(0.05)
        assert "SQLite writer process ended (exit code 0) with 0 writes unanswered" in caplog.text
        sent = await group_commit.run(
            MessageToSend(actor, shopper.conversation_id, "还在吗？", uuid.uuid4())
        )
        assert group_commit.writer_pid not in (None, first)
    finally:
        await group_commit.stop()
    async with sessionmaker() as session:
        assert await session.scalar(select(Message.body).where(Message.id == sent.message_id)) == (
            "还在吗？"
        )


@pytest.fixture
def conversation_reads():
    """The writer's reads of the conversations table, counted while the test runs."""
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM conversations" in statement:
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    yield reads
    event.remove(Engine, "before_cursor_execute", count)


async def _writer_and_shopper(settings, sessionmaker, shopper):
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
    return InThisProcess(settings.effective_database_url, RecordingBus()), actor


def _say(writer, actor, conversation_id, *bodies):
    return writer([MessageToSend(actor, conversation_id, b, uuid.uuid4()) for b in bodies])


async def test_the_writer_reads_a_conversation_again_only_after_another_connection_wrote(
    sqlite_only, settings, sessionmaker, shopper, conversation_reads
):
    """The writer keeps the conversations of its last batch while nothing else writes;
    a chat closed by an agent (another connection) refuses the shopper's next message."""
    writer, actor = await _writer_and_shopper(settings, sessionmaker, shopper)
    try:
        assert [ok for ok, _ in _say(writer, actor, shopper.conversation_id, "在吗？")] == [True]
        assert [ok for ok, _ in _say(writer, actor, shopper.conversation_id, "这件有M码吗")] == [
            True
        ]
        assert len(conversation_reads) == 1, "the second batch used the first one's"
        async with sessionmaker() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == shopper.conversation_id)
                .values(status=ConversationStatus.CLOSED)
            )
            await session.commit()
        [(ok, refused)] = _say(writer, actor, shopper.conversation_id, "还在吗")
    finally:
        writer.close()
    assert not ok and isinstance(refused, Conflict), refused
    assert "closed" in refused.message
    assert len(conversation_reads) >= 2


async def test_a_refused_message_in_a_batch_leaves_the_writers_conversations_right(
    sqlite_only, settings, sessionmaker, shopper
):
    """A batch whose unit fails is rolled back and done again without it; the next
    batches still see the conversation as committed (its clock follows the messages)."""
    writer, actor = await _writer_and_shopper(settings, sessionmaker, shopper)
    try:
        (first, _), (second, empty) = _say(writer, actor, shopper.conversation_id, "在吗", "  ")
        [(third, sent)] = _say(writer, actor, shopper.conversation_id, "有人吗？")
    finally:
        writer.close()
    assert (first, second, third) == (True, False, True) and isinstance(empty, Invalid)
    async with sessionmaker() as session:
        conversation = await session.get(Conversation, shopper.conversation_id)
        last = await session.get(Message, sent.message_id)
        assert conversation.last_message_at == last.created_at
        assert (await session.scalar(select(func.count()).select_from(Message))) == 2


async def test_conversations_a_batch_changed_without_committing_are_read_again(
    sqlite_only, settings, shopper
):
    """A batch that ends without its commit (an error at commit) leaves objects holding
    what was never stored: the next batch must not take them for the truth."""
    engine = make_sync_sqlite_engine(settings.effective_database_url)
    sessions = sessionmaker(engine, expire_on_commit=False, info={BETWEEN_BATCHES: {}})
    try:
        with sessions() as session:
            [conversation] = batch_conversations(session, [shopper.conversation_id])
            conversation.status = ConversationStatus.CLOSED  # never committed
        with sessions() as session:
            [again] = batch_conversations(session, [shopper.conversation_id])
            assert again.status is ConversationStatus.OPEN
            session.commit()
        with sessions() as session:
            assert batch_conversations(session, [shopper.conversation_id]) == [again], "kept"
    finally:
        engine.dispose()
