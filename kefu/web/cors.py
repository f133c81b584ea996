"""Cross-origin access to the widget's routes.

The widget runs on the shop's own site and calls Kefu from there. Its routes authenticate
with the visitor token header and never with cookies, so any site may call them; every
other route stays same-origin only."""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WIDGET_PREFIX = "/api/v1/widget/"
ALLOW = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type, x-visitor-token",
    "access-control-max-age": "600",
}


class WidgetCORS:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Not a coroutine itself: anything but the widget's HTTP routes passes straight
        through (see ``kefu.web.observe.Observe``)."""
        if scope["type"] != "http" or not scope["path"].startswith(WIDGET_PREFIX):
            return self.app(scope, receive, send)
        return self._widget(scope, receive, send)

    async def _widget(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(k.encode(), v.encode()) for k, v in ALLOW.items()],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["access-control-allow-origin"] = "*"
            await send(message)

        await self.app(scope, receive, send_with_cors)
