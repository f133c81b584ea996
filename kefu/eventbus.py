"""In-process event bus: listeners subscribe by event name; actions publish after commit.

The realtime hub and Redis fan-out subscribe here too, so actions never know who listens."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from kefu.events import Event
from kefu.lib.frames import StoredEvents

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)
        self._job_listeners: list[Callable[[], None]] = []
        self._stored_listeners: list[Callable[[list[StoredEvents]], None]] = []

    def subscribe(self, name: str, listener: Listener) -> None:
        """Call ``listener`` for every event named ``name`` ("*" for all)."""
        self._listeners[name].append(listener)

    def unsubscribe(self, name: str, listener: Listener) -> None:
        """Stop calling ``listener`` (a closed WebSocket, a test's spy)."""
        self._listeners[name].remove(listener)

    def publish(self, event: Event) -> None:
        """Deliver to listeners; a failing listener is logged and never breaks the write."""
        for listener in (*self._listeners[event.name], *self._listeners["*"]):
            try:
                listener(event)
            except Exception:
                log.exception("listener %r failed on %s", listener, event.name)

    def publish_all(self, events: Iterable[Event]) -> None:
        """``publish`` each of a transaction's events, in order."""
        for event in events:
            self.publish(event)

    def on_stored(self, listener: Callable[[list[StoredEvents]], None]) -> None:
        """Call ``listener`` with the replay-log rows of each commit that wrote some (the
        realtime hub's live feeds, and the notice to other processes)."""
        self._stored_listeners.append(listener)

    def stored(self, stored: list[StoredEvents]) -> None:
        """A transaction committed these replay-log rows: hand them on."""
        for listener in self._stored_listeners:
            try:
                listener(stored)
            except Exception:
                log.exception("listener %r failed on stored events", listener)

    def on_jobs_queued(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after a commit that queued background jobs (the worker)."""
        self._job_listeners.append(listener)

    def jobs_queued(self) -> None:
        """A transaction that queued jobs committed: wake whoever runs them."""
        for listener in self._job_listeners:
            try:
                listener()
            except Exception:
                log.exception("job listener %r failed", listener)

    def retell(self, told: Told) -> None:
        """What a transaction in the writer process told its bus (``RecordingBus``), told
        here in the same order."""
        for kind, value in told:
            if kind == "stored":
                self.stored(value)
            elif kind == "events":
                self.publish_all(value)
            else:
                self.jobs_queued()


class LoopBus:
    """The bus as seen from another thread (the SQLite writer): everything it is told is
    handed to the event loop's thread, in order, where the listeners live."""

    def __init__(self, bus: EventBus, loop: asyncio.AbstractEventLoop) -> None:
        self._bus = bus
        self._loop = loop

    def publish_all(self, events: Iterable[Event]) -> None:
        """A transaction's events in one hand-off (a group commit has one per message)."""
        self._loop.call_soon_threadsafe(self._bus.publish_all, list(events))

    def stored(self, stored: list[StoredEvents]) -> None:
        self._loop.call_soon_threadsafe(self._bus.stored, stored)

    def jobs_queued(self) -> None:
        self._loop.call_soon_threadsafe(self._bus.jobs_queued)


Told = list[tuple[str, Any]]


class RecordingBus:
    """The bus of the writer process (``kefu.writerprocess``), which has no listeners:
    it keeps what each transaction tells it, for the server to tell its own bus."""

    def __init__(self) -> None:
        self._told: Told = []

    def publish_all(self, events: Iterable[Event]) -> None:
        self._told.append(("events", list(events)))

    def stored(self, stored: list[StoredEvents]) -> None:
        self._told.append(("stored", stored))

    def jobs_queued(self) -> None:
        self._told.append(("jobs", None))

    def take(self) -> Told:
        """What was told since the last call."""
        told, self._told = self._told, []
        return told
