"""``/metrics`` for Prometheus, kept from the public.

Like GitLab's and Grafana's, the endpoint is not for everyone: with ``KEFU_METRICS_TOKEN``
set, a scrape must send it as a bearer token (Prometheus' ``authorization`` setting);
without one, only a client on this machine that came through no proxy is served (a proxy
on the same machine is also "localhost", so a request carrying forwarding headers is
refused)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from kefu.errors import Forbidden
from kefu.lib.signing import same_secret
from kefu.metrics import exposition
from kefu.queries.jobs import webhook_delivery_counts

router = APIRouter(include_in_schema=False)

LOOPBACK = frozenset({"127.0.0.1", "::1"})
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def may_scrape(request: Request, token: str) -> bool:
    """The bearer token when one is configured, else a direct local client."""
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and same_secret(token, sent)
    host = request.client.host if request.client else None
    forwarded = any(name in request.headers for name in FORWARDING_HEADERS)
    return host in LOOPBACK and not forwarded


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    state = request.app.state
    if not may_scrape(request, state.settings.metrics_token):
        raise Forbidden("metrics are served to localhost, or to a scraper with KEFU_METRICS_TOKEN")
    async with state.sessionmaker() as session:
        counts = await webhook_delivery_counts(session)
    body, content_type = exposition(counts)
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
