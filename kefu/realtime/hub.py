"""The realtime hub: per-connection outboxes fed from the replay log.

Every WebSocket is a ``Connection`` on a set of stream keys of one shop, with a cursor
(the last event id it was sent). The database's replay log is the one source of events.

Live delivery is one read per shop, not one per socket: a ``ShopFeed`` reads the shop's
new rows after its own head whenever it is woken (a notice "new events in shop N", from
this process or another one through pub/sub, or a periodic read that recovers from a lost
notice) and hands each row to the connections of its stream. Within a shop, rows become
visible in id order (see ``kefu.actions.streams``), so a feed that has read up to id H has
seen every row of the shop up to H.

Rows committed by this process need no read: the transaction hands them over with the
shop's newest id before them (``StoredEvents``), and a feed whose head has reached that id
takes them as they are. Otherwise (rows of another process or another transaction came in
between) it reads the log as for a notice. The notice says how far it goes, so a feed
already past it does not read again.

A connection that is behind catches up on its own: when it opens (the replay after the
client's ``last_event_id``) and when its client reads too slowly for its bounded outbox.
While it catches up it keeps what the feed hands it in a small buffer; its own reads and
that buffer overlap, and the cursor drops anything at or below it, so at the seam nothing
is skipped or sent twice. A slow client therefore never holds up the feed: the database is
its buffer, memory stays bounded.

Typing indicators and the like are ephemeral: they go straight into outboxes, are never
stored, and are dropped for a client whose outbox is full.

This module knows nothing of models or sessions; it is given a ``ReplayLog``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from kefu.lib.frames import StoredEvents
from kefu.realtime.outbox import Frame, Outbox

log = logging.getLogger(__name__)

HEARTBEAT: Frame = {"type": "heartbeat"}


class ReplayLog(Protocol):
    async def events_for(self, streams: frozenset[str], after_id: int, limit: int) -> list[Frame]:
        """Event frames ``{"type": "event", "id", "name", "data"}`` of ``streams`` after
        ``after_id``, by id."""
        ...

    async def shop_events(self, shop_id: int, after_id: int, limit: int) -> list[tuple[str, Frame]]:
        """(stream, event frame) of every stream of the shop after ``after_id``, by id."""
        ...


class Connection:
    """One client's view of the hub: the frames to send, in order."""

    def __init__(self, hub: Hub, shop_id: int, streams: frozenset[str], cursor: int) -> None:
        self.shop_id = shop_id
        self.streams = streams
        self.cursor = cursor
        self._hub = hub
        self._outbox = Outbox(hub.queue_size)
        self._live = False
        self._held: list[Frame] = []  # handed over by the feed while catching up
        self._held_overflow = False
        self._catching_up: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._fall_behind()  # the first catch-up is the replay

    async def stop(self) -> None:
        if self._catching_up is not None:
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up

    async def next_frame(self) -> Frame:
        """The next frame to send, or a heartbeat when there was none for a while."""
        frame = self._outbox.take()  # under load: no timer to arm and cancel per frame
        if frame is not None:
            return frame
        try:
            async with asyncio.timeout(self._hub.heartbeat_seconds):  # no extra task per wait
                return await self._outbox.next()
        except TimeoutError:
            return HEARTBEAT

    async def send(self, frame: Frame) -> None:
        """Queue a frame that must arrive (an ack, an error); waits while the outbox is full."""
        await self._outbox.put(frame)

    def offer(self, frame: Frame) -> bool:
        """Queue an ephemeral frame unless the outbox is full (then it is dropped)."""
        return self._outbox.offer(frame)

    def deliver(self, frame: Frame) -> None:
        """A stored event from the shop's feed (never blocks the feed)."""
        if frame["id"] <= self.cursor:
            return
        if not self._live:
            self._hold(frame)
            return
        if not self._outbox.offer(frame):
            self._fall_behind()  # read it again from the log once the client catches up
            return
        self.cursor = frame["id"]

    def _hold(self, frame: Frame) -> None:
        if len(self._held) < self._hub.queue_size:
            self._held.append(frame)
        else:
            self._held.clear()
            self._held_overflow = True

    def _fall_behind(self) -> None:
        """Stop taking the feed's frames and read the log from the cursor instead, in a
        task that lives only while this connection is behind (idle sockets have none)."""
        self._live = False
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(
                self._catch_up_until_done(), name="hub-catch-up"
            )

    async def _catch_up_until_done(self) -> None:
        while True:
            try:
                await self._catch_up()
            except Exception:
                log.exception("reading the replay log failed; retrying")
                await asyncio.sleep(self._hub.retry_seconds)
                continue
            if self._live:  # not pushed back by a full outbox while taking the held frames
                return

    async def _catch_up(self) -> None:
        """Read own streams from the cursor until the log has no more, then take over what
        the feed held meanwhile and go live (no await between the two)."""
        hub = self._hub
        while True:
            self._held, self._held_overflow = [], False
            while True:
                frames = await hub.log.events_for(self.streams, self.cursor, hub.batch_size)
                for frame in frames:
                    await self._outbox.put(frame)
                    self.cursor = frame["id"]
                if len(frames) < hub.batch_size:
                    break
            if not self._held_overflow:
                break
        held, self._held = self._held, []
        self._live = True
        for frame in held:
            self.deliver(frame)


class ShopFeed:
    """This process's single reader of one shop's new events."""

    def __init__(self, hub: Hub, shop_id: int, head: int) -> None:
        self.shop_id = shop_id
        self.head = head
        self._hub = hub
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"hub-feed shop {shop_id}")

    def wake(self) -> None:
        self._wake.set()

    def take(self, stored: StoredEvents) -> None:
        """Rows this process has just committed: handed on as they are when the feed has
        seen every row of the shop before them, else read from the log with the rest."""
        if self.head < stored.after_id:
            self.wake()
            return
        self._hand_on(stored.frames)

    def _hand_on(self, rows: Iterable[tuple[str, Frame]]) -> None:
        """Give each new row to the connections of its stream; a row at or below the head
        (read by the feed and handed over directly too) was given already."""
        hub = self._hub
        for stream, frame in rows:
            if frame["id"] <= self.head:
                continue
            self.head = frame["id"]
            for connection in hub.connections_of(stream):
                connection.deliver(frame)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        hub = self._hub
        while True:
            with contextlib.suppress(TimeoutError):
                # Reading again now and then also recovers from a notice that got lost.
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can lose a cancel
                # that arrives as the wait ends, and the feed then never stops (seen: a
                # server's shutdown waiting for ever on a socket's close).
                async with asyncio.timeout(hub.heartbeat_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                rows = await hub.log.shop_events(self.shop_id, self.head, hub.batch_size)
            except Exception:
                log.exception("reading the replay log failed; retrying")
                await asyncio.sleep(hub.retry_seconds)
                self._wake.set()
                continue
            self._hand_on(rows)
            if len(rows) == hub.batch_size:
                self._wake.set()  # there may be more


class Hub:
    """All live connections of this process, indexed by stream key, and one feed per
    shop that has any."""

    def __init__(
        self,
        log: ReplayLog,
        *,
        heartbeat_seconds: float = 25.0,
        queue_size: int = 256,
        batch_size: int = 200,
        retry_seconds: float = 1.0,
    ) -> None:
        self.log = log
        self.heartbeat_seconds = heartbeat_seconds
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.retry_seconds = retry_seconds
        self._by_stream: dict[str, set[Connection]] = defaultdict(set)
        self._feeds: dict[int, ShopFeed] = {}
        self._shop_connections: dict[int, int] = defaultdict(int)

    def open(self, shop_id: int, streams: Iterable[str], cursor: int) -> Connection:
        """Register a connection that will get every event of ``streams`` (all of shop
        ``shop_id``) after ``cursor``. Registered before its first read, so that what the
        feed reads from now on reaches it too."""
        connection = Connection(self, shop_id, frozenset(streams), cursor)
        for stream in connection.streams:
            self._by_stream[stream].add(connection)
        self._shop_connections[shop_id] += 1
        if shop_id not in self._feeds:
            # Rows up to the cursor are not this connection's business and its own
            # catch-up covers the rest; the feed reads whatever comes after.
            self._feeds[shop_id] = ShopFeed(self, shop_id, cursor)
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
        shop_id = connection.shop_id
        self._shop_connections[shop_id] -= 1
        if self._shop_connections[shop_id] <= 0:
            del self._shop_connections[shop_id]
            feed = self._feeds.pop(shop_id, None)
            if feed is not None:
                await feed.stop()

    async def close_all(self) -> None:
        for connection in {c for members in self._by_stream.values() for c in members}:
            await self.close(connection)

    def connections_of(self, stream: str) -> Iterable[Connection]:
        return self._by_stream.get(stream, ())

    def _connections(self, streams: Iterable[str]) -> set[Connection]:
        return {c for s in streams for c in self._by_stream.get(s, ())}

    def notify_shop(self, shop_id: int, upto: int | None = None) -> None:
        """New events were committed in shop ``shop_id`` (up to id ``upto``, when the
        notice says): wake its feed, if any here and not already past them."""
        feed = self._feeds.get(shop_id)
        if feed is not None and (upto is None or feed.head < upto):
            feed.wake()

    def take_stored(self, stored: list[StoredEvents]) -> None:
        """Replay-log rows committed by this process, handed to the shops' feeds here."""
        for shop_rows in stored:
            feed = self._feeds.get(shop_rows.shop_id)
            if feed is not None:
                feed.take(shop_rows)

    def wake_all(self) -> None:
        """Wake every feed (after pub/sub reconnects, notices may have been missed)."""
        for feed in self._feeds.values():
            feed.wake()

    def broadcast(self, streams: Iterable[str], frame: Frame) -> None:
        """Hand an ephemeral frame to every connection on ``streams`` (once each)."""
        for connection in self._connections(streams):
            connection.offer(frame)

    def receive(self, notice: Frame) -> None:
        """A notice from pub/sub: ``{"shop": id, "upto": last id}`` when events were
        stored, or ``{"streams": [...], "frame": {...}}`` for an ephemeral frame."""
        frame = notice.get("frame")
        if frame is None:
            self.notify_shop(notice["shop"], notice.get("upto"))
        else:
            self.broadcast(notice.get("streams") or (), frame)

    def connection_count(self, stream: str | None = None) -> int:
        if stream is not None:
            return len(self._by_stream.get(stream, ()))
        return len(self._connections(list(self._by_stream)))
