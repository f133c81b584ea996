"""The hub on its own (with the real replay log), and the seam between replay and live."""

from __future__ import annotations

import asyncio
import uuid

from kefu.actions.messages import do_send_message
from kefu.db import make_sessionmaker
from kefu.eventbus import EventBus
from kefu.queries.auth import visitor_actor
from kefu.queries.streams import last_event_id
from kefu.realtime.hub import HEARTBEAT, Hub
from kefu.realtime.ws import ReplaySource
from tests.chat.conftest import agent_socket, visitor_socket


async def test_an_idle_connection_gets_heartbeats(sessionmaker):
    hub = Hub(ReplaySource(sessionmaker), heartbeat_seconds=0.05)
    connection = hub.open(1, {"shop:1"}, 0)
    assert await connection.next_frame() == HEARTBEAT
    await hub.close(connection)
    assert hub.connection_count() == 0


async def test_ephemeral_frames_are_dropped_for_a_client_that_does_not_read(sessionmaker):
    hub = Hub(ReplaySource(sessionmaker), queue_size=3)
    reader, stalled = hub.open(1, {"agent:1"}, 0), hub.open(1, {"agent:1", "shop:1"}, 0)
    for n in range(5):
        hub.broadcast({"agent:1", "shop:1"}, {"type": "typing", "n": n})
        assert (await reader.next_frame())["n"] == n  # once each, though on two streams
    assert [(await stalled.next_frame())["n"] for _ in range(3)] == [0, 1, 2]
    await hub.close_all()


async def test_every_tab_of_an_agent_hears_the_same_events(server, shopper, alice):
    tabs = [await agent_socket(server, alice) for _ in range(2)]
    visitor_ws = await visitor_socket(server, shopper)
    ack = await visitor_ws.say(shopper.conversation_id, "两个标签页都能看到吗？")
    for tab in tabs:
        assert (await tab.message_from("visitor"))["data"]["message"]["id"] == ack["message_id"]
        await tab.close()
    await visitor_ws.close()


async def test_joining_during_a_stream_of_messages_misses_and_repeats_nothing(
    server, shopper, alice
):
    visitor_ws = await visitor_socket(server, shopper)
    await visitor_ws.say(shopper.conversation_id, "开始")
    watcher = await agent_socket(server, alice, last_event_id=0)
    start = await watcher.message_from("visitor")
    bodies = [f"消息{i}" for i in range(40)]

    async def chatter() -> None:
        for body in bodies:
            await visitor_ws.say(shopper.conversation_id, body)

    sending = asyncio.create_task(chatter())
    live = [(await watcher.message_from("visitor"))["data"]["message"]["body"]]
    late = await agent_socket(server, alice, last_event_id=start["id"])  # mid-stream
    await sending
    live += [(await watcher.message_from("visitor"))["data"]["message"]["body"] for _ in bodies[1:]]
    seen = [(await late.message_from("visitor"))["data"]["message"]["body"] for _ in bodies]
    assert seen == live == bodies
    await late.send({"type": "ping"})
    await late.expect(lambda f: f["type"] == "pong")
    assert [f for f in late.stash if f["type"] == "event"] == []  # nothing twice
    for ws in (watcher, late, visitor_ws):
        await ws.close()


async def test_a_full_outbox_holds_events_back_without_losing_any(sessionmaker, settings, shopper):
    async with sessionmaker() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
    hub = Hub(ReplaySource(sessionmaker), queue_size=2, batch_size=3)
    connection = hub.open(actor.shop_id, {f"visitor:{shopper.public_id}"}, 0)
    bodies = [f"第{i}个问题" for i in range(7)]
    for body in bodies:
        async with sessionmaker() as session:
            await do_send_message(session, actor, shopper.conversation_id, body, uuid.uuid4())
            await session.commit()
        hub.notify_shop(actor.shop_id)
    frames = [await connection.next_frame() for _ in range(8)]
    assert frames[0]["name"] == "conversation.started"
    assert [f["data"]["message"]["body"] for f in frames[1:]] == bodies
    await hub.close_all()


class CountingLog(ReplaySource):
    """The real replay log, counting the live feed's reads of it."""

    def __init__(self, sessionmaker) -> None:
        super().__init__(sessionmaker)
        self.shop_reads = 0

    async def shop_events(self, shop_id, after_id, limit):
        self.shop_reads += 1
        return await super().shop_events(shop_id, after_id, limit)


async def _wired_hub(app, settings, shopper):
    """A hub of its own, told of this process's commits as the app's hub is; the shopper
    as an actor; and sessions whose commits reach the hub."""
    bus = EventBus()
    sessions = make_sessionmaker(app.state.engine, bus=bus)
    hub = Hub(CountingLog(sessions))
    bus.on_stored(hub.take_stored)
    async with sessions() as session:
        actor = await visitor_actor(session, settings.secret_key, shopper.token)
        head = await last_event_id(session, actor.shop_id)
    connection = hub.open(actor.shop_id, {f"visitor:{shopper.public_id}"}, head)
    return hub, sessions, actor, connection


async def _say(sessions, actor, conversation_id: int, body: str) -> None:
    async with sessions() as session:
        await do_send_message(session, actor, conversation_id, body, uuid.uuid4())
        await session.commit()


async def test_messages_committed_here_reach_the_socket_without_reading_the_log_back(
    app, settings, shopper
):
    hub, sessions, actor, connection = await _wired_hub(app, settings, shopper)
    bodies = ["在吗？", "这件还有M码吗😊", "明天能發貨嗎"]
    for body in bodies:
        await _say(sessions, actor, shopper.conversation_id, body)
    frames = [await connection.next_frame() for _ in bodies]
    assert [f["data"]["message"]["body"] for f in frames] == bodies
    assert hub.log.shop_reads == 0
    hub.notify_shop(actor.shop_id, frames[-1]["id"])  # its own notice, coming back
    await asyncio.sleep(0.05)
    assert hub.log.shop_reads == 0
    await hub.close_all()


async def test_rows_another_process_committed_in_between_are_read_not_skipped(
    app, settings, shopper
):
    hub, sessions, actor, connection = await _wired_hub(app, settings, shopper)
    elsewhere = make_sessionmaker(app.state.engine)  # commits this hub is not told of
    await _say(sessions, actor, shopper.conversation_id, "第一条")
    await _say(elsewhere, actor, shopper.conversation_id, "另一个进程写的")
    await _say(sessions, actor, shopper.conversation_id, "第三条")
    frames = [await connection.next_frame() for _ in range(3)]
    assert [f["data"]["message"]["body"] for f in frames] == ["第一条", "另一个进程写的", "第三条"]
    assert [f["id"] for f in frames] == sorted(f["id"] for f in frames)
    assert hub.log.shop_reads >= 1
    await hub.close_all()
