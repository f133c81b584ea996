"""Socket frames as JSON text. A stored event's frame is sent to every socket of its
stream (a shop's stream reaches all its agents), so its text is made once. Both the
queries that read events back and the sockets that send them use this, so it sits
below both."""

from __future__ import annotations

from typing import Any

from kefu.lib import jsontext


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


def frame_text(frame: dict[str, Any]) -> str:
    """The JSON text a socket sends for ``frame``."""
    if isinstance(frame, EventFrame):
        return frame.text()
    return jsontext.dumps(frame)
