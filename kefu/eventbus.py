"""In-process event bus: listeners subscribe by event name; actions publish after commit.

The realtime hub and Redis fan-out subscribe here too, so actions never know who listens."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from kefu.events import Event

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

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
