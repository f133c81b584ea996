"""Socket frames as JSON text. A stored event's frame is sent to every socket of its
stream (a shop's stream reaches all its agents), so its text is made once. Both the
queries that read events back and the sockets that send them use this, so it sits
below both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kefu.lib import jsontext
from kefu.lib.pickling import reduce_by_fields


class EventFrame(dict[str, Any]):
    """A stored event's frame (``{"type": "event", "id", "name", "data"}``). Its JSON text
    is made once, however many sockets send it: a shop's stream reaches all its agents."""

    __slots__ = ("_text",)

    def text(self) -> str:
        try:
            return self._text
        except AttributeError:
            self._text: str = jsontext.dumps(self)
            return self._text


def event_frame(event_id: int, name: str, payload: Any) -> EventFrame:
    """The frame of the replay-log row ``event_id``."""
    return EventFrame(type="event", id=event_id, name=name, data=payload)


@dataclass(frozen=True, slots=True)
class StoredEvents:
    """One shop's replay-log rows that a transaction has just committed, as the frames the
    hub sends, handed straight to this process's live feed: it need not read back what its
    own process wrote. ``after_id`` is the shop's newest id before these rows (0 when
    none): a feed that has passed it has missed nothing in between and can take them as
    they are; one that has not reads the log instead."""

    __reduce__ = reduce_by_fields  # sent to and from the SQLite writer process

    shop_id: int
    after_id: int
    frames: list[tuple[str, EventFrame]]  # (stream, frame), by id

    @property
    def last_id(self) -> int:
        return self.frames[-1][1]["id"]


def frame_text(frame: dict[str, Any]) -> str:
    """The JSON text a socket sends for ``frame``."""
    if isinstance(frame, EventFrame):
        return frame.text()
    return jsontext.dumps(frame)
