"""The outermost middleware: a request id for every request and socket, one access-log
line and the HTTP metrics for every response.

Pure ASGI (no per-request objects beyond a closure), because it runs on every request
including the chat's. The access line has the path without its query string: visitor
tokens travel in query strings (``/ws/visitor?token=…``) and must not reach the logs."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu.logs import REQUEST_ID
from kefu.metrics import HTTP_REQUESTS, HTTP_SECONDS

access = logging.getLogger("kefu.access")

REQUEST_ID_HEADER = "x-request-id"
# What we accept from a proxy or client: short, and nothing that could forge a log line.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Probes and scrapes come every few seconds; their lines would drown the rest at INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"  # the route label of a 404: raw paths would grow without bound
# Any other method a client makes up is counted as "other", for the same reason.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is well-formed, else a new one."""
    sent = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if sent and VALID_REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The route template that answered (``/api/v1/conversations/{conversation_id}``):
    FastAPI's full path of an included route, else the route's own path, else the prefix
    of a mounted app (``/static``)."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    if context is not None:
        return context.path
    route = scope.get("route")
    if route is not None:
        return route.path
    if "endpoint" in scope:
        return scope.get("root_path") or UNMATCHED
    return UNMATCHED


class Observe:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Not a coroutine itself: a socket passes straight through, so ten thousand idle
        sockets do not each keep a suspended frame of this middleware."""
        if scope["type"] not in ("http", "websocket"):
            return self.app(scope, receive, send)
        request_id = request_id_of(scope)
        # Not reset afterwards: the server runs each request in a task of its own, and
        # the handler of unexpected errors, outside this middleware, logs with it too.
        REQUEST_ID.set(request_id)
        if scope["type"] == "http":
            return self._http(scope, receive, send, request_id)
        return self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before starting a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route, path = route_of(scope), scope["path"]
        method = scope["method"] if scope["method"] in METHODS else "other"
        HTTP_REQUESTS.labels(route, method, str(status)).inc()
        HTTP_SECONDS.labels(route, method).observe(seconds)
        level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
        access.log(level, "%s %s %d %.1fms", method, path, status, seconds * 1000)
