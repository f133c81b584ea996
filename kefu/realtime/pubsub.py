"""Fan-out of realtime notices between processes.

A notice is small JSON: ``{"shop": id, "upto": id}`` ("new events of this shop were
committed, up to this id"; ``upto`` may be missing or null: up to an unknown id), or
``{"streams": [...], "frame": {...}}`` for an ephemeral frame such as a typing indicator.
In one process the ``MemoryBackend`` hands notices straight to the hub; with ``KEFU_REDIS_URL`` the
``RedisBackend`` publishes them on one Redis channel that every process subscribes to
(its own notices come back the same way; its feeds, which took the rows as they were
committed, are past them and do not read again).
The channel is a setting (``KEFU_REDIS_CHANNEL``): installations sharing one Redis server
must not wake each other's sockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Notice = dict[str, Any]
Deliver = Callable[[Notice], None]


class Backend(Protocol):
    async def start(self) -> None: ...

    def publish(self, notice: Notice) -> None:
        """Send a notice; never blocks and never raises (called right after a commit)."""
        ...

    async def ping(self) -> None:
        """Return when the backend can carry notices; raise when it cannot (readiness)."""
        ...

    async def stop(self) -> None: ...


class MemoryBackend:
    """One process: notices go straight to the local hub."""

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def start(self) -> None:
        return None

    def publish(self, notice: Notice) -> None:
        self._deliver(notice)

    async def ping(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class RedisBackend:
    """Several processes: notices travel over a Redis pub/sub channel."""

    def __init__(
        self,
        url: str,
        deliver: Deliver,
        *,
        channel: str,
        on_reconnect: Callable[[], None] | None = None,
    ) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url)
        self._channel = channel
        self._deliver = deliver
        self._on_reconnect = on_reconnect or (lambda: None)
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._due = asyncio.Event()
        # "new events of shop X up to id N" notices, coalesced (None: up to an unknown id)
        self._shops_due: dict[int, int | None] = {}
        self._frames_due: list[str] = []  # ephemeral frames, in order

    async def start(self) -> None:
        """Subscribe before serving, so a notice sent right after start-up is heard."""
        self._listener = asyncio.create_task(self._listen(), name="kefu-redis-listener")
        self._sender = asyncio.create_task(self._send_due(), name="kefu-redis-sender")
        try:
            await asyncio.wait_for(self._subscribed.wait(), 5)
        except TimeoutError:
            log.warning("Redis is not reachable yet; realtime notices will follow when it is")

    def publish(self, notice: Notice) -> None:
        """Queue the notice for the one sender task. "New events of shop X" notices are
        coalesced while a publish is on its way: a notice only says "read the shop's
        log", so one says as much as many, and a commit of a batch of messages then costs
        one Redis round trip, not one per event (nor one connection per event: a task
        each ran out of the pool's connections under load)."""
        if "shop" in notice:
            shop, upto = notice["shop"], notice.get("upto")
            known = self._shops_due.get(shop, 0)
            self._shops_due[shop] = None if None in (upto, known) else max(upto, known)
        else:
            self._frames_due.append(json.dumps(notice))
        self._due.set()

    async def _send_due(self) -> None:
        while True:
            await self._due.wait()
            self._due.clear()
            await self._send_pending()

    async def _send_pending(self) -> None:
        shops, self._shops_due = self._shops_due, {}
        frames, self._frames_due = self._frames_due, []
        notices = [json.dumps({"shop": shop, "upto": upto}) for shop, upto in shops.items()]
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for data in frames + notices:
                    pipe.publish(self._channel, data)
                await pipe.execute()
        except Exception:
            # Not lost: feeds reread the replay log periodically (ephemeral frames such
            # as a typing indicator are, by nature, allowed to go missing).
            log.warning("could not publish realtime notices to Redis", exc_info=True)

    async def ping(self) -> None:
        await self._redis.ping()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    self._on_reconnect()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._deliver(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("Redis subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(1)

    async def stop(self) -> None:
        for task in (self._listener, self._sender):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._shops_due or self._frames_due:
            await self._send_pending()
        await self._redis.aclose()


def make_backend(
    redis_url: str, channel: str, deliver: Deliver, on_reconnect: Callable[[], None]
) -> Backend:
    """Redis when a URL is configured, else in memory."""
    if redis_url:
        return RedisBackend(redis_url, deliver, channel=channel, on_reconnect=on_reconnect)
    return MemoryBackend(deliver)
