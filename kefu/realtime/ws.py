"""The WebSocket endpoints: ``/ws/agent`` (session cookie or API key) and ``/ws/visitor``
(signed visitor token in the ``token`` query parameter).

Protocol (JSON text frames): the client's first frame is ``{"type": "hello",
"last_event_id": N | null}``; the server answers ``welcome``, replays every event after N,
then streams live ones (``{"type": "event", "id", "name", "data"}``), with a
``heartbeat`` when idle. A client ``message`` frame carries a ``client_id``; its ``ack``
(``client_id``, ``message_id``) is sent only after the commit. ``typing`` frames are
relayed to the other side and never stored. A bad frame gets an ``error`` frame.

An agent socket checks its login again on an ``agent.session_ended`` event and once per
heartbeat interval, and closes (1008) when the login is gone. Agent sockets are recorded
for presence (kefu/realtime/presence.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import WebSocket
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from kefu.access import Actor
from kefu.actions.bot import take_bot_turn
from kefu.actions.conversations import staff_stream, visitor_streams
from kefu.actions.messages import MessageToSend
from kefu.errors import DomainError
from kefu.events import SessionEnded, agent_stream, shop_stream, visitor_stream
from kefu.groupcommit import GroupCommit
from kefu.lib.frames import frame_text
from kefu.metrics import OPEN_WEBSOCKETS
from kefu.models import MessageKind
from kefu.models.base import MAX_ID
from kefu.queries.auth import agent_actor, api_key_actor, login_from_token, visitor_actor
from kefu.queries.conversations import get_conversation
from kefu.queries.streams import events_after, last_event_id, oldest_event_id, shop_events_after
from kefu.realtime.hub import Connection, Frame, Hub
from kefu.realtime.presence import AgentLeases
from kefu.web.deps import SESSION_COOKIE
from kefu.web.messages import in_accepted_language
from kefu.web.ratelimits import WidgetLimits

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
POLICY_VIOLATION = 1008
ConversationId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Hello(BaseModel):
    type: Literal["hello"]
    last_event_id: int | None = Field(None, ge=0, le=MAX_ID)


class MessageFrame(BaseModel):
    type: Literal["message"]
    conversation_id: ConversationId
    client_id: uuid.UUID
    body: str = Field("", max_length=5000)
    kind: MessageKind = MessageKind.TEXT
    payload: dict[str, Any] | None = None


class TypingFrame(BaseModel):
    type: Literal["typing"]
    conversation_id: ConversationId
    typing: bool = True


class PingFrame(BaseModel):
    type: Literal["ping"]


ClientFrame = TypeAdapter(
    Annotated[MessageFrame | TypingFrame | PingFrame, Field(discriminator="type")]
)


def error_frame(code: str, message: str, **extra: Any) -> Frame:
    return {"type": "error", "code": code, "message": message, **extra}


def _echo_client_id(frame: BaseModel) -> dict[str, str]:
    """An error about a message names its client_id so the client knows which one failed."""
    client_id = getattr(frame, "client_id", None)
    return {} if client_id is None else {"client_id": str(client_id)}


class ReplaySource:
    """The hub's window on the replay log: one short session per read."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def events_for(self, streams: frozenset[str], after_id: int, limit: int) -> list[Frame]:
        async with self.sessionmaker() as session:
            return await events_after(session, streams, after_id, limit)

    async def shop_events(self, shop_id: int, after_id: int, limit: int) -> list[tuple[str, Frame]]:
        async with self.sessionmaker() as session:
            return await shop_events_after(session, shop_id, after_id, limit)


def streams_of(actor: Actor, public_id: str | None = None) -> frozenset[str]:
    """What a connection hears: a visitor their own stream; an agent their own and the
    shop's; an integrator's key the shop's."""
    if public_id is not None:
        return frozenset({visitor_stream(public_id)})
    if actor.kind == "agent" and actor.id is not None:
        return frozenset({agent_stream(actor.id), shop_stream(actor.shop_id)})
    return frozenset({shop_stream(actor.shop_id)})


def _same_origin(websocket: WebSocket) -> bool:
    """A browser always sends Origin; a page of another site must not ride the cookie."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host")


async def _agent_actor(websocket: WebSocket, session: AsyncSession) -> Actor:
    scheme, _, credential = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential:
        return await api_key_actor(session, credential.strip())
    if not _same_origin(websocket):
        raise DomainError("this page may not open Kefu's agent socket", code="bad_origin")
    found = await login_from_token(session, websocket.cookies.get(SESSION_COOKIE))
    if found is None:
        raise DomainError("please log in", code="unauthenticated")
    login, user = found
    return await agent_actor(session, user, login.shop_id)


def _same_signer(fresh: Actor, before: Actor) -> bool:
    """The same agent (or key) of the same shop: a login switched to another shop is not."""
    return (fresh.kind, fresh.id, fresh.shop_id) == (before.kind, before.id, before.shop_id)


async def agent_socket(websocket: WebSocket) -> None:
    async with websocket.app.state.sessionmaker() as session:
        try:
            actor = await _agent_actor(websocket, session)
        except DomainError:
            await websocket.close(POLICY_VIOLATION)
            return
    await SocketSession(websocket, actor, streams_of(actor)).run()


async def visitor_socket(websocket: WebSocket) -> None:
    settings = websocket.app.state.settings
    token = websocket.query_params.get("token", "")
    async with websocket.app.state.sessionmaker() as session:
        try:
            actor = await visitor_actor(session, settings.secret_key, token)
        except DomainError:
            await websocket.close(POLICY_VIOLATION)
            return
    public_id = token.split(".")[1]
    await SocketSession(websocket, actor, streams_of(actor, public_id)).run()


SOCKETS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/agent": agent_socket,
    "/ws/visitor": visitor_socket,
}


class SocketRoutes:
    """The socket endpoints, reached ahead of the app's routing (a middleware inside
    ``Observe``, which gives each socket its request id).

    A socket lives for hours, and every layer of the HTTP stack it passes through keeps,
    for all that time, a suspended frame, a copy of the scope and an exit stack or two,
    and wraps every frame the socket sends: about 6 KiB per socket, and 10,000 idle
    widgets are the memory target (``kefu bench idle``). The endpoints need none of it:
    they read the query and headers themselves and close the socket on their errors.
    Any other socket path goes on to the app, which refuses it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Not a coroutine itself, like ``Observe``: no frame of its own per socket."""
        endpoint = SOCKETS.get(scope["path"]) if scope["type"] == "websocket" else None
        if endpoint is None:
            return self.app(scope, receive, send)
        return endpoint(WebSocket(scope, receive, send))


class SocketSession:
    """One accepted socket: the hello, then a reader and a writer until either ends."""

    def __init__(self, websocket: WebSocket, actor: Actor, streams: frozenset[str]) -> None:
        self.websocket = websocket
        self.actor = actor
        self.streams = streams
        state = websocket.app.state
        self.hub: Hub = state.hub
        self.sessionmaker: async_sessionmaker[AsyncSession] = state.sessionmaker
        self.group_commit: GroupCommit = state.group_commit
        self.publish = state.pubsub.publish
        self.widget_limits: WidgetLimits = state.widget_limits
        self.leases: AgentLeases = state.agent_leases
        self.visitor_token = websocket.query_params.get("token")
        self.language = websocket.headers.get("accept-language")  # sent with the upgrade
        self._next_check = time.monotonic() + self.hub.heartbeat_seconds
        self._bot_turns: set[asyncio.Task[None]] = set()  # kept until done

    async def run(self) -> None:
        await self.websocket.accept()
        try:
            cursor = await self._hello()
        except (WebSocketDisconnect, TimeoutError):
            return
        if cursor is None:
            await self.websocket.close(POLICY_VIOLATION)
            return
        connection = self.hub.open(self.actor.shop_id, self.streams, cursor)
        OPEN_WEBSOCKETS.labels(self.actor.kind).inc()
        lease = await self.leases.opened(self.actor)
        # Welcome only once the socket is registered: a client that saw it counts as
        # connected for presence, and every event after the cursor reaches it.
        await self._send({"type": "welcome", "last_event_id": cursor})
        self._presence(connected=True)
        tasks = [
            asyncio.create_task(self._write(connection)),
            asyncio.create_task(self._read(connection)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.hub.close(connection)
            OPEN_WEBSOCKETS.labels(self.actor.kind).dec()
            await self.leases.closed(lease)
            self._presence(connected=False)
            with contextlib.suppress(Exception):
                await self.websocket.close()

    def _presence(self, *, connected: bool) -> None:
        """Tell the shop's agents that an agent's or a visitor's socket came or went (one
        frame per socket: a person with two tabs open sends two)."""
        if self.actor.kind not in ("agent", "visitor"):
            return
        frame = {
            "type": "presence",
            "who": self.actor.kind,
            "id": self.actor.id,
            "connected": connected,
        }
        self.publish({"streams": [shop_stream(self.actor.shop_id)], "frame": frame})

    async def _send(self, frame: Frame) -> None:
        await self.websocket.send_text(frame_text(frame))

    async def _hello(self) -> int | None:
        """The cursor to start from, or None after telling the client what was wrong."""
        async with asyncio.timeout(HELLO_TIMEOUT):  # not wait_for: see ShopFeed._run
            message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            hello = Hello.model_validate_json(message.get("text") or "")
        except ValidationError:
            await self._send(
                error_frame("bad_hello", 'send {"type": "hello", "last_event_id": N} first')
            )
            return None
        async with self.sessionmaker() as session:
            head = await last_event_id(session, self.actor.shop_id)
            oldest = await oldest_event_id(session)
        cursor = head if hello.last_event_id is None else hello.last_event_id
        if cursor > max(head, oldest - 1):
            # The server's log never held this id (restored backup, another server); an id
            # the cleanup deleted, when it deleted all of the shop's rows, it did hold.
            await self._send(error_frame("unknown_stream", "reload to get the current state"))
            cursor = head
        elif cursor < oldest - 1:
            # Events after the cursor may have been pruned (KEFU_STREAM_RETENTION_DAYS).
            await self._send(error_frame("stale_cursor", "reload to get the current state"))
            cursor = head
        return cursor

    async def _write(self, connection: Connection) -> None:
        while True:
            frame = await connection.next_frame()
            await self._send(frame)
            if self._login_check_due(frame) and not await self._still_signed_in():
                await self._send(error_frame("session_ended", "your login ended; log in again"))
                await self.websocket.close(POLICY_VIOLATION)
                return

    def _login_check_due(self, frame: Frame) -> bool:
        """Staff sockets check their login again on an ``agent.session_ended`` notice and
        at least once per heartbeat interval (a login can also just expire)."""
        if self.actor.is_visitor:
            return False
        return frame.get("name") == SessionEnded.name or time.monotonic() >= self._next_check

    async def _still_signed_in(self) -> bool:
        """The cookie or key still names the same agent (or key) of the same shop. A
        database hiccup keeps the socket: the next check decides."""
        self._next_check = time.monotonic() + self.hub.heartbeat_seconds
        try:
            async with self.sessionmaker() as session:
                fresh = await _agent_actor(self.websocket, session)
        except DomainError:
            return False
        except Exception:
            log.exception("checking a socket's login failed")
            return True
        if not _same_signer(fresh, self.actor):
            return False
        self.actor = fresh  # a changed role applies to the next frame
        return True

    async def _read(self, connection: Connection) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            reply = await self._handle(message.get("text"))
            if reply is not None:
                await connection.send(reply)

    async def _handle(self, raw: str | None) -> Frame | None:
        """Answer one client frame; every failure becomes an error frame."""
        if raw is None:
            return error_frame("bad_frame", "frames are JSON text")
        try:
            frame = ClientFrame.validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return error_frame("bad_frame", f"{where}: {first['msg']}" if where else first["msg"])
        try:
            if isinstance(frame, MessageFrame):
                return await self._message(frame)
            if isinstance(frame, TypingFrame):
                await self._typing(frame)
                return None
            return {"type": "pong"}
        except DomainError as exc:
            message = in_accepted_language(self.language, exc.message)
            return error_frame(exc.code, message, **_echo_client_id(frame))
        except Exception:
            log.exception("handling a %s frame failed", frame.type)
            return error_frame(
                "internal",
                "something went wrong on our side; send it again",
                **_echo_client_id(frame),
            )

    async def _message(self, frame: MessageFrame) -> Frame:
        if self.actor.is_visitor:
            client = self.websocket.client
            self.widget_limits.check(client.host if client else None, self.visitor_token)

        send = MessageToSend(
            self.actor,
            frame.conversation_id,
            frame.body,
            frame.client_id,
            kind=frame.kind,
            payload=frame.payload,
        )
        sent = await self.group_commit.run(send)
        if sent.bot_may_look:
            turn = asyncio.create_task(
                take_bot_turn(self.sessionmaker, self.actor.shop_id, sent.message_id),
                name="kefu-bot-turn",
            )
            self._bot_turns.add(turn)
            turn.add_done_callback(self._bot_turns.discard)
        return {"type": "ack", "client_id": str(frame.client_id), "message_id": sent.message_id}

    async def _typing(self, frame: TypingFrame) -> None:
        """Tell the other side of the conversation; nothing is stored."""
        async with self.sessionmaker() as session:
            conversation = await get_conversation(session, self.actor, frame.conversation_id)
            if self.actor.is_visitor:
                recipients = frozenset({staff_stream(conversation)})
            else:
                recipients = await visitor_streams(session, conversation)
        relayed = {
            "type": "typing",
            "conversation_id": conversation.id,
            "sender_kind": "visitor" if self.actor.is_visitor else "agent",
            "typing": frame.typing,
        }
        self.publish({"streams": sorted(recipients), "frame": relayed})
