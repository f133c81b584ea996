"""Security headers on every response.

Our pages load scripts, styles and images only from Kefu itself and talk to it over
fetch and WebSockets; nobody may frame them (the widget lives in a shadow root on the
shop's page, not in an iframe, so nothing of ours is meant to be framed). Alpine.js
evaluates its attribute expressions with ``Function``, hence ``'unsafe-eval'``; inline
``style`` attributes need ``'unsafe-inline'`` for styles, never for scripts.

The demo storefront stands in for a shop's own site, which has inline scripts and
styles of its own: it gets a policy that allows them and nothing from elsewhere.
The interactive API docs (``/api/v1/docs``) load Swagger UI from its CDN as FastAPI
serves it. ``widget.js`` itself runs under the shop's policy, not ours; it is served with the right
JavaScript type, so ``nosniff`` does not stop it."""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def policy(script_src: str, *, style_src: str = "'self' 'unsafe-inline'", img_src: str = "") -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src {script_src}",
            f"style-src {style_src}",
            f"img-src 'self' data: blob:{img_src}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


PAGE_POLICY = policy("'self' 'unsafe-eval'")
STOREFRONT_POLICY = policy("'self' 'unsafe-inline'")
STOREFRONT_PREFIX = "/demo/store"
# FastAPI's interactive API docs: Swagger UI from its CDN, started by an inline script.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
API_DOCS_POLICY = policy(
    f"'self' 'unsafe-inline' {SWAGGER_CDN}",
    style_src=f"'self' 'unsafe-inline' {SWAGGER_CDN}",
    img_src=" https://fastapi.tiangolo.com",
)
API_DOCS_PATH = "/api/v1/docs"
HSTS = "max-age=31536000"

COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def policy_for(path: str) -> str:
    if path.startswith(STOREFRONT_PREFIX):
        return STOREFRONT_POLICY
    if path == API_DOCS_PATH:
        return API_DOCS_POLICY
    return PAGE_POLICY


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = COMMON | ({"strict-transport-security": HSTS} if https else {})

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """Not a coroutine itself: a socket passes straight through (see ``Observe``)."""
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        csp = policy_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)
