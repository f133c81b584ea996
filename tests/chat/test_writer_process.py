"""SQLite's writer process (kefu/writerprocess.py): chat messages are committed there,
refusals come back as they were raised, and a writer that dies is replaced without a
message lost or stored twice."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import sessionmaker

from kefu.actions.kept import BETWEEN_BATCHES, KeptBetweenBatches
from kefu.actions.messages import MessageToSend, batch_conversations
from kefu.batches import InThisProcess
from kefu.db import make_sync_sqlite_engine
from kefu.errors import Conflict, Invalid
from kefu.eventbus import EventBus, RecordingBus
from kefu.events import Event
from kefu.groupcommit import GroupCommit
from kefu.lib.frames import StoredEvents
from kefu.models import Conversation, ConversationStatus, InvitationView, Message, StreamEvent
from kefu.models.base import utcnow
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


async def _writer_and_shopper(settings, sessionmaker, shopper, bus=None):
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
    return InThisProcess(settings.effective_database_url, bus or RecordingBus()), actor


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
    sessions = sessionmaker(
        engine, expire_on_commit=False, info={BETWEEN_BATCHES: KeptBetweenBatches()}
    )
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


async def test_an_invitation_accepted_between_two_batches_is_converted_by_the_next(
    sqlite_only, settings, sessionmaker, shopper, client, owen
):
    """The writer keeps each shopper's open invitations from batch to batch; one they
    accept meanwhile (the widget's request, another connection) is still converted by
    their next message, and only once."""
    rule = {"message": "亲，这款羽绒服有什么想了解的吗？", "product_page_seconds": 0}
    saved = await client.as_(owen).patch("/api/v1/shop/widget", json={"invitations": [rule]})
    assert saved.status_code == 200, saved.text
    writer, actor = await _writer_and_shopper(settings, sessionmaker, shopper)
    try:
        assert [ok for ok, _ in _say(writer, actor, shopper.conversation_id, "在吗？")] == [True]
        page = {"page": "https://shop.example.com/p/DN01", "product_id": "DN01"}
        seen = await client.post("/api/v1/widget/page-views", json=page, headers=shopper.headers)
        invitation = seen.json()["invitation_id"]
        for what in ("shown", "accepted"):
            reported = await client.post(
                f"/api/v1/widget/invitations/{invitation}/{what}", headers=shopper.headers
            )
            assert reported.status_code == 200, reported.text
        _say(writer, actor, shopper.conversation_id, "这件有M码吗？", "能发顺丰吗？")
    finally:
        writer.close()
    async with sessionmaker() as session:
        [view] = (await session.scalars(select(InvitationView))).all()
    assert view.converted_at is not None and view.conversation_id == shopper.conversation_id


async def test_the_writer_tells_feeds_of_another_connections_events_between_its_batches(
    sqlite_only, settings, sessionmaker, shopper, client, alice
):
    """A feed takes a batch's rows as they come only if it has seen everything before
    them. The writer knows its own last row of the shop without asking; once another
    connection has written one (an agent's note through the REST API), it names that."""
    bus = RecordingBus()
    writer, actor = await _writer_and_shopper(settings, sessionmaker, shopper, bus)
    try:
        _say(writer, actor, shopper.conversation_id, "在吗？")
        [first] = _stored(bus)
        _say(writer, actor, shopper.conversation_id, "这件有M码吗？")
        [second] = _stored(bus)
        noted = await client.as_(alice).post(
            f"/api/v1/conversations/{shopper.conversation_id}/messages",
            json={"client_id": str(uuid.uuid4()), "body": "老客户，先查订单", "kind": "note"},
        )
        assert noted.status_code == 200, noted.text
        _say(writer, actor, shopper.conversation_id, "还在吗？")
        [third] = _stored(bus)
    finally:
        writer.close()
    assert second.after_id == first.last_id
    async with sessionmaker() as session:
        newest = await session.scalar(
            select(func.max(StreamEvent.id)).where(StreamEvent.id < third.frames[0][1]["id"])
        )
    assert third.after_id == newest > second.last_id


async def test_a_row_another_connection_commits_while_a_batch_reads_comes_before_its_rows(
    sqlite_only, settings, sessionmaker, shopper
):
    """Another connection may commit between a batch's reads and its first write (a
    conversation started on the server's own connection). The batch's rows must then be
    named as coming after that row, or a feed would hand them on and skip it."""
    bus = RecordingBus()
    writer, actor = await _writer_and_shopper(settings, sessionmaker, shopper, bus)
    other = make_sync_sqlite_engine(settings.effective_database_url)
    slipped_in: list[int] = []

    def meanwhile(connection, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO messages") and connection.engine is not other:
            with other.begin() as write:
                row = insert(StreamEvent).values(
                    shop_id=actor.shop_id,
                    stream=f"shop:{actor.shop_id}",
                    name="conversation.changed",
                    payload={},
                    created_at=utcnow(),
                )
                slipped_in.append(write.execute(row.returning(StreamEvent.id)).scalar_one())

    try:
        _say(writer, actor, shopper.conversation_id, "在吗？")
        _stored(bus)
        event.listen(Engine, "before_cursor_execute", meanwhile)
        try:
            _say(writer, actor, shopper.conversation_id, "这件有M码吗？")
        finally:
            event.remove(Engine, "before_cursor_execute", meanwhile)
        [stored] = _stored(bus)
    finally:
        writer.close()
        other.dispose()
    assert stored.after_id == slipped_in[0]


def _stored(bus: RecordingBus) -> list[StoredEvents]:
    """The replay rows the writer's batches handed to the feeds since the last call."""
    return [stored for kind, what in bus.take() if kind == "stored" for stored in what]
