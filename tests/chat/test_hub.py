"""The hub on its own (with the real replay log), and the seam between replay and live."""

from __future__ import annotations

import asyncio
import uuid

from kefu.actions.messages import do_send_message
from kefu.queries.auth import visitor_actor
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
