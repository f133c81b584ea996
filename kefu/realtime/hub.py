"""The realtime hub: per-connection outboxes fed from the replay log.

Every WebSocket is a ``Connection`` on a set of stream keys with a cursor (the last event
id it was sent). The database's replay log is the one source of events: a connection's
pump reads "events of my streams after my cursor" and puts them in its bounded outbox.
Live notices ("something new on stream X", from this process or another one through
pub/sub) only wake the pumps. So replay and live delivery are the same read, and at
their seam nothing can be skipped or sent twice; a slow client makes its pump wait (the
database is the buffer, memory stays bounded); a lost notice delays delivery only until
the next periodic read, never loses it.

Typing indicators and the like are ephemeral: they go straight into outboxes, are never
stored, and are dropped for a client whose outbox is full.

This module knows nothing of models or sessions; it is given a ``FetchEvents`` function."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

Frame = dict[str, Any]
# (streams, after id, limit) -> event frames {"type": "event", "id", "name", "data"}, by id.
FetchEvents = Callable[[frozenset[str], int, int], Awaitable[list[Frame]]]

HEARTBEAT: Frame = {"type": "heartbeat"}


class Connection:
    """One client's view of the hub: the frames to send, in order."""

    def __init__(self, hub: Hub, streams: frozenset[str], cursor: int) -> None:
        self.streams = streams
        self.cursor = cursor
        self._hub = hub
        self._outbox: asyncio.Queue[Frame] = asyncio.Queue(hub.queue_size)
        self._wake = asyncio.Event()
        self._wake.set()  # the first read is the replay
        self._pump: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._pump = asyncio.create_task(self._run_pump(), name=f"hub-pump {sorted(self.streams)}")

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    def wake(self) -> None:
        self._wake.set()

    async def next_frame(self) -> Frame:
        """The next frame to send, or a heartbeat when there was none for a while."""
        try:
            return await asyncio.wait_for(self._outbox.get(), self._hub.heartbeat_seconds)
        except TimeoutError:
            return HEARTBEAT

    async def send(self, frame: Frame) -> None:
        """Queue a frame that must arrive (an ack, an error); waits while the outbox is full."""
        await self._outbox.put(frame)

    def offer(self, frame: Frame) -> bool:
        """Queue an ephemeral frame unless the outbox is full (then it is dropped)."""
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            return False
        return True

    async def _run_pump(self) -> None:
        hub = self._hub
        while True:
            with contextlib.suppress(TimeoutError):
                # Reading again now and then also recovers from a notice that got lost.
                await asyncio.wait_for(self._wake.wait(), hub.heartbeat_seconds)
            self._wake.clear()
            try:
                frames = await hub.fetch(self.streams, self.cursor, hub.batch_size)
            except Exception:
                log.exception("reading the replay log failed; retrying")
                await asyncio.sleep(hub.retry_seconds)
                self._wake.set()
                continue
            for frame in frames:
                await self._outbox.put(frame)
                self.cursor = frame["id"]
            if len(frames) == hub.batch_size:
                self._wake.set()  # there may be more


class Hub:
    """All live connections of this process, indexed by stream key."""

    def __init__(
        self,
        fetch: FetchEvents,
        *,
        heartbeat_seconds: float = 25.0,
        queue_size: int = 256,
        batch_size: int = 200,
        retry_seconds: float = 1.0,
    ) -> None:
        self.fetch = fetch
        self.heartbeat_seconds = heartbeat_seconds
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.retry_seconds = retry_seconds
        self._by_stream: dict[str, set[Connection]] = defaultdict(set)

    def open(self, streams: Iterable[str], cursor: int) -> Connection:
        """Register a connection that will get every event of ``streams`` after ``cursor``."""
        connection = Connection(self, frozenset(streams), cursor)
        for stream in connection.streams:
            self._by_stream[stream].add(connection)
        connection.start()
        return connection

    async def close(self, connection: Connection) -> None:
        for stream in connection.streams:
            members = self._by_stream.get(stream)
            if members is not None:
                members.discard(connection)
                if not members:
                    del self._by_stream[stream]
        await connection.stop()

    async def close_all(self) -> None:
        for connection in {c for members in self._by_stream.values() for c in members}:
            await self.close(connection)

    def _connections(self, streams: Iterable[str]) -> set[Connection]:
        return {c for s in streams for c in self._by_stream.get(s, ())}

    def notify(self, streams: Iterable[str]) -> None:
        """New events were committed on ``streams``: wake their connections' pumps."""
        for connection in self._connections(streams):
            connection.wake()

    def wake_all(self) -> None:
        """Wake every pump (after pub/sub reconnects, notices may have been missed)."""
        self.notify(list(self._by_stream))

    def broadcast(self, streams: Iterable[str], frame: Frame) -> None:
        """Hand an ephemeral frame to every connection on ``streams`` (once each)."""
        for connection in self._connections(streams):
            connection.offer(frame)

    def receive(self, notice: Frame) -> None:
        """A notice from pub/sub: ``{"streams": [...]}``, with ``frame`` when ephemeral."""
        streams = notice.get("streams") or ()
        frame = notice.get("frame")
        if frame is None:
            self.notify(streams)
        else:
            self.broadcast(streams, frame)

    def connection_count(self, stream: str | None = None) -> int:
        if stream is not None:
            return len(self._by_stream.get(stream, ()))
        return len(self._connections(list(self._by_stream)))
