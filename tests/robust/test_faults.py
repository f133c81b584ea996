"""Faults of the services underneath (issue 10): PostgreSQL dropping every connection,
Redis going away and coming back. Shoppers keep talking; nothing acknowledged is lost,
nothing is stored or delivered twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid

import pytest
from sqlalchemy import select, text

from kefu.models import Message
from tests.chat.conftest import agent_socket, free_port, visitor_socket
from tests.chat.processes import ServerProcess
from tests.chat.wsclient import Socket

PG_URL = os.environ.get("KEFU_TEST_DATABASE_URL", "")
REDIS_SERVER = shutil.which("redis-server")
ATTEMPTS = 20  # a client sends an unacknowledged message again, as the widget does


async def say_until_acked(socket: Socket, conversation_id: int, body: str) -> tuple[str, int]:
    """Send with one client id until the server acknowledges it: an error frame ("send it
    again") is what a client sees while the fault lasts."""
    client_id = str(uuid.uuid4())
    for _ in range(ATTEMPTS):
        answer = await socket.say(conversation_id, body, client_id)
        if answer["type"] == "ack":
            return client_id, answer["message_id"]
        assert answer["code"] == "internal", answer
        await asyncio.sleep(0.2)
    raise AssertionError(f"{body!r} was never acknowledged")


async def heard_messages(socket: Socket, count: int) -> list[str]:
    return [
        (await socket.message_from("visitor"))["data"]["message"]["client_id"] for _ in range(count)
    ]


async def stored_client_ids(sessionmaker, conversation_id: int) -> list[str]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Message.client_id).where(Message.conversation_id == conversation_id)
        )
        return sorted(str(c) for c in rows)


@pytest.mark.slow
@pytest.mark.skipif(not PG_URL, reason="a PostgreSQL fault: runs in CI's PostgreSQL pass")
async def test_postgresql_dropping_every_connection_loses_nothing(
    settings, shopper, alice, sessionmaker
):
    server = await ServerProcess(settings).start()
    try:
        alice_ws = await agent_socket(server.address, alice)
        visitor_ws = await visitor_socket(server.address, shopper)
        acked = dict(
            [
                await say_until_acked(visitor_ws, shopper.conversation_id, f"断线前第{i}条")
                for i in range(5)
            ]
        )
        async with sessionmaker() as session:
            dropped = await session.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert dropped >= 1, "the server held no connection to drop"
        acked |= dict(
            [
                await say_until_acked(visitor_ws, shopper.conversation_id, f"断线后第{i}条")
                for i in range(5)
            ]
        )
        heard = await heard_messages(alice_ws, len(acked))
        await alice_ws.close()
        await visitor_ws.close()
    finally:
        await server.stop()
    assert sorted(heard) == sorted(acked), "each acknowledged message reached the agent once"
    assert await stored_client_ids(sessionmaker, shopper.conversation_id) == sorted(acked)


class RedisServer:
    """A redis-server of the test's own on a free port, that keeps nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> RedisServer:
        self.process = await asyncio.create_subprocess_exec(
            str(REDIS_SERVER),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.mark.slow
@pytest.mark.skipif(
    not (PG_URL and REDIS_SERVER),
    reason="two processes share PostgreSQL, and Redis is restarted: CI's PostgreSQL pass",
)
async def test_a_redis_restart_between_two_processes_loses_nothing(
    settings, shopper, alice, sessionmaker
):
    redis = await RedisServer().start()
    a = b = None
    try:
        a, b = await asyncio.gather(
            ServerProcess(settings, redis_url=redis.url).start(),
            ServerProcess(settings, redis_url=redis.url).start(),
        )
        alice_on_b = await agent_socket(b.address, alice)
        visitor_on_a = await visitor_socket(a.address, shopper)
        before, _ = await say_until_acked(visitor_on_a, shopper.conversation_id, "重启前")
        assert await heard_messages(alice_on_b, 1) == [before]

        await redis.kill()
        during, _ = await say_until_acked(visitor_on_a, shopper.conversation_id, "Redis 停了")
        await redis.start()
        after, _ = await say_until_acked(visitor_on_a, shopper.conversation_id, "重启后")
        heard = await heard_messages(alice_on_b, 2)
        await alice_on_b.close()
        await visitor_on_a.close()
    finally:
        for server in (a, b):
            if server is not None:
                await server.stop()
        await redis.kill()
    assert sorted(heard) == sorted([during, after]), "the agent on the other process hears both"
    assert await stored_client_ids(sessionmaker, shopper.conversation_id) == sorted(
        [before, during, after]
    )
