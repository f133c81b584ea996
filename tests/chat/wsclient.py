"""A small WebSocket client for tests, speaking Kefu's realtime protocol over a real socket."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import websockets

Frame = dict[str, Any]
WAIT = 10.0  # a safety net against hanging, not a timing assertion


class Socket:
    """Keeps frames that arrive while the test waits for another kind of frame."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.stash: list[Frame] = []
        self.last_event_id: int | None = None

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        last_event_id: int | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
    ) -> Socket:
        ws = await websockets.connect(url, additional_headers=headers, origin=origin)
        socket = cls(ws)
        await socket.send({"type": "hello", "last_event_id": last_event_id})
        welcome = await socket.expect(lambda f: f["type"] == "welcome")
        socket.last_event_id = welcome["last_event_id"]
        return socket

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def _read(self) -> Frame:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT))
        if frame["type"] == "event":
            self.last_event_id = frame["id"]
        return frame

    async def expect(self, match: Callable[[Frame], bool]) -> Frame:
        """The first frame (stashed or new) that ``match``es; others stay stashed."""
        for i, frame in enumerate(self.stash):
            if match(frame):
                return self.stash.pop(i)
        while True:
            frame = await self._read()
            if match(frame):
                return frame
            if frame["type"] != "heartbeat":
                self.stash.append(frame)

    async def event(self, name: str | None = None) -> Frame:
        return await self.expect(
            lambda f: f["type"] == "event" and (name is None or f["name"] == name)
        )

    async def message_from(self, sender_kind: str) -> Frame:
        """The next ``message.created`` event whose message was sent by ``sender_kind``."""
        return await self.expect(
            lambda f: (
                f["type"] == "event"
                and f["name"] == "message.created"
                and f["data"]["message"]["sender_kind"] == sender_kind
            )
        )

    async def say(
        self, conversation_id: int, body: str, client_id: str | None = None, **extra: Any
    ) -> Frame:
        """Send a message frame and wait for its ack (or error)."""
        client_id = client_id or str(uuid.uuid4())
        await self.send(
            {
                "type": "message",
                "conversation_id": conversation_id,
                "client_id": client_id,
                "body": body,
                **extra,
            }
        )
        return await self.expect(
            lambda f: f["type"] in ("ack", "error") and f.get("client_id") == client_id
        )

    async def drain(self) -> list[Frame]:
        """Every frame stashed or still buffered, until the connection is gone."""
        frames, self.stash = self.stash, []
        try:
            while True:
                frames.append(await self._read())
        except websockets.ConnectionClosed:
            return frames

    async def close(self) -> None:
        await self.ws.close()
