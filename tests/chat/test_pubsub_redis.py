"""Realtime notices between processes over a real Redis: a burst of commits (as a group
commit of many messages produces) must wake the other processes without running out of
connections, and ephemeral frames (typing) must arrive in order."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from kefu.realtime.pubsub import RedisBackend

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "")
BURST = 2_000

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs KEFU_TEST_REDIS_URL")


class Heard(list):
    """The notices one process received; ``until`` waits for one that matters."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = asyncio.Event()

    def __call__(self, notice: dict) -> None:
        self.append(notice)
        self.arrived.set()

    async def until(self, condition, seconds: float = 10.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition(self):
                self.arrived.clear()
                await self.arrived.wait()


async def test_a_burst_of_commits_wakes_the_other_process_and_typing_keeps_its_order(caplog):
    heard = Heard()
    channel = os.environ["KEFU_REDIS_CHANNEL"]
    sender = RedisBackend(REDIS_URL, lambda _notice: None, channel=channel)
    listener = RedisBackend(REDIS_URL, heard, channel=channel)
    await listener.start()
    await sender.start()
    try:
        with caplog.at_level(logging.WARNING, logger="kefu.realtime.pubsub"):
            for i in range(BURST):
                sender.publish({"shop": 7 + i % 2})
                if i % 500 == 0:
                    typing = {"type": "typing", "n": i}
                    sender.publish({"streams": ["visitor:abc"], "frame": typing})
            await heard.until(lambda h: {7, 8} <= {n["shop"] for n in h if "shop" in n})
            await heard.until(lambda h: sum("frame" in n for n in h) == 4)
            sender.publish({"shop": 9})  # a later commit still wakes the other side
            await heard.until(lambda h: any(n.get("shop") == 9 for n in h))
        assert [n["frame"]["n"] for n in heard if "frame" in n] == [0, 500, 1000, 1500]
        assert not caplog.records  # no "could not publish": nothing fell back to polling
    finally:
        await sender.stop()
        await listener.stop()


async def test_installations_on_one_redis_never_wake_each_other():
    """Two installations sharing a Redis server, each on its own channel: a commit in one
    wakes its own processes only."""
    own, other = Heard(), Heard()
    mine = os.environ["KEFU_REDIS_CHANNEL"]
    sender = RedisBackend(REDIS_URL, lambda _notice: None, channel=mine)
    listener = RedisBackend(REDIS_URL, own, channel=mine)
    theirs = f"{mine}:another-installation"
    stranger = RedisBackend(REDIS_URL, other, channel=theirs)
    for backend in (listener, stranger, sender):
        await backend.start()
    try:
        sender.publish({"shop": 41})
        await own.until(lambda h: any(n.get("shop") == 41 for n in h))
        stranger_sender = RedisBackend(REDIS_URL, lambda _notice: None, channel=theirs)
        await stranger_sender.start()
        stranger_sender.publish({"shop": 42})
        await other.until(lambda h: any(n.get("shop") == 42 for n in h))
        await stranger_sender.stop()
        sender.publish({"shop": 43})  # Redis keeps order: a stray 42 would come before it
        await own.until(lambda h: any(n.get("shop") == 43 for n in h))
    finally:
        for backend in (sender, listener, stranger):
            await backend.stop()
    assert [n["shop"] for n in own] == [41, 43]  # never the other installation's 42
    assert [n["shop"] for n in other] == [42]
