"""Separate server processes: a kill -9 in the middle of a burst, and two processes
sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from sqlalchemy import func, select

from kefu.models import Message
from tests.chat.conftest import agent_socket, visitor_socket
from tests.chat.processes import ServerProcess

BURST = 120
KILL_AFTER_ACKS = 30


def _message_client_ids(frames: list[dict]) -> list[str]:
    return [
        f["data"]["message"]["client_id"]
        for f in frames
        if f["type"] == "event" and f["name"] == "message.created"
    ]


@pytest.mark.slow
async def test_kill_9_mid_burst_loses_and_duplicates_nothing(
    settings, shopper, alice, sessionmaker
):
    first = await ServerProcess(settings).start()
    try:
        alice_ws = await agent_socket(first.address, alice)
        visitor_ws = await visitor_socket(first.address, shopper)
        burst = {str(uuid.uuid4()): f"第{i}条：我的订单什么时候发货？" for i in range(BURST)}
        for client_id, body in burst.items():
            await visitor_ws.send(
                {
                    "type": "message",
                    "conversation_id": shopper.conversation_id,
                    "client_id": client_id,
                    "body": body,
                }
            )
        acked: dict[str, int] = {}
        while len(acked) < KILL_AFTER_ACKS:
            ack = await visitor_ws.expect(lambda f: f["type"] == "ack")
            acked[ack["client_id"]] = ack["message_id"]
        await first.kill()
        heard = _message_client_ids(await alice_ws.drain())
        resume_from = alice_ws.last_event_id
        acked |= {
            f["client_id"]: f["message_id"] for f in await visitor_ws.drain() if f["type"] == "ack"
        }
    finally:
        await first.kill()
    assert len(acked) < BURST  # the kill really came mid-burst

    second = await ServerProcess(settings, port=first.port).start()
    try:
        visitor_ws = await visitor_socket(second.address, shopper)
        for client_id, body in burst.items():  # the client retries everything
            ack = await visitor_ws.say(shopper.conversation_id, body, client_id)
            assert ack["type"] == "ack", ack
            assert acked.get(client_id, ack["message_id"]) == ack["message_id"]
        alice_ws = await agent_socket(second.address, alice, last_event_id=resume_from)
        while len(heard) < BURST:
            heard.append((await alice_ws.message_from("visitor"))["data"]["message"]["client_id"])
        await alice_ws.close()
        await visitor_ws.close()
    finally:
        await second.stop()
    assert sorted(heard) == sorted(burst)  # each message delivered exactly once
    async with sessionmaker() as session:
        stored = list(
            await session.scalars(
                select(Message.client_id).where(Message.conversation_id == shopper.conversation_id)
            )
        )
    assert sorted(str(c) for c in stored) == sorted(burst)


REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "")
PG_URL = os.environ.get("KEFU_TEST_DATABASE_URL", "")


@pytest.mark.slow
@pytest.mark.skipif(
    not (REDIS_URL and PG_URL),
    reason="needs KEFU_TEST_REDIS_URL and KEFU_TEST_DATABASE_URL (two processes share "
    "PostgreSQL and Redis; CI sets both)",
)
async def test_a_message_sent_through_one_process_reaches_a_socket_on_another(
    settings, shopper, alice, sessionmaker
):
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
    a, b = await asyncio.gather(
        ServerProcess(settings, redis_url=REDIS_URL).start(),
        ServerProcess(settings, redis_url=REDIS_URL).start(),
    )
    try:
        alice_on_b = await agent_socket(b.address, alice)
        visitor_on_a = await visitor_socket(a.address, shopper)
        ack = await visitor_on_a.say(shopper.conversation_id, "从进程A发出的消息")
        heard = await alice_on_b.message_from("visitor")
        assert heard["data"]["message"]["id"] == ack["message_id"]
        await visitor_on_a.send({"type": "typing", "conversation_id": shopper.conversation_id})
        typing = await alice_on_b.expect(lambda f: f["type"] == "typing")
        assert typing["sender_kind"] == "visitor"
        await alice_on_b.close()
        await visitor_on_a.close()
    finally:
        await a.stop()
        await b.stop()


@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="needs KEFU_TEST_REDIS_URL (CI sets it)")
async def test_kefu_serve_with_two_workers_delivers_whichever_process_holds_a_socket(
    settings, shopper, alice
):
    """Sockets on one port land on either process (the kernel picks); a shopper's four
    tabs each send a message, and the agent hears all four, wherever each was stored."""
    server = await ServerProcess(settings, redis_url=REDIS_URL, workers=2).start()
    try:
        assert len(server.worker_pids()) == 2
        alice_ws = await agent_socket(server.address, alice)
        tabs = [await visitor_socket(server.address, shopper) for _ in range(4)]
        acks = [
            await tab.say(shopper.conversation_id, f"第{n}个标签页：这件外套有M码吗？")
            for n, tab in enumerate(tabs, 1)
        ]
        heard = [(await alice_ws.message_from("visitor"))["data"]["message"] for _ in tabs]
        assert sorted(m["id"] for m in heard) == sorted(ack["message_id"] for ack in acks)
        for socket in (alice_ws, *tabs):
            await socket.close()
    finally:
        await server.stop()
