"""The composition root: builds the ASGI app from settings and wires its parts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kefu import __version__
from kefu.channels.web_widget import install_widget
from kefu.db import make_engine, make_sessionmaker, write_gate
from kefu.eventbus import EventBus
from kefu.events import Event, MessageCreated
from kefu.groupcommit import GroupCommit
from kefu.lib.frames import StoredEvents
from kefu.lib.heap import settle_heap
from kefu.logs import configure_logging, install_request_ids
from kefu.metrics import MESSAGES
from kefu.quality.classifier import default_model as quality_model
from kefu.realtime.hub import Hub
from kefu.realtime.presence import AgentLeases
from kefu.realtime.pubsub import make_backend
from kefu.realtime.ws import ReplaySource, SocketRoutes
from kefu.settings import Settings
from kefu.web.api.v1 import api_router
from kefu.web.cors import WidgetCORS
from kefu.web.errors import install_error_handlers
from kefu.web.health import router as health_router
from kefu.web.metrics import router as metrics_router
from kefu.web.observe import Observe
from kefu.web.pages import install_pages
from kefu.web.ratelimits import WidgetLimits
from kefu.web.security import SecurityHeaders
from kefu.worker import Worker

API_DESCRIPTION = """Kefu's REST API. Authenticate with an API key
(`Authorization: Bearer kefu_…`, created under Settings → API keys) or a browser session.

Lists use cursor pagination: pass `next_cursor` back as `cursor`. Every error has the body
`{"error": {"code": "...", "message": "...", "field": "..."}}`; `message` is written in the
language of `Accept-Language` (zh-CN or en) when the request sends one."""


def count_message(event: Event) -> None:
    """Count a stored chat message for /metrics, by who sent it."""
    MESSAGES.labels(event.payload["message"]["sender_kind"]).inc()


def create_app_from_environment() -> FastAPI:
    """The app of one of ``kefu serve --workers N``'s processes: each is started afresh by
    uvicorn and builds its app, and its logging, from the same ``KEFU_*`` environment."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The engine is created here and disposed when the app shuts down."""
    settings = settings or Settings()
    settings.check_secure()
    install_request_ids()
    engine = make_engine(settings.effective_database_url)
    bus = EventBus()
    sessionmaker = make_sessionmaker(engine, bus=bus)
    hub = Hub(ReplaySource(sessionmaker), heartbeat_seconds=settings.ws_heartbeat_seconds)
    pubsub = make_backend(settings.redis_url, settings.redis_channel, hub.receive, hub.wake_all)

    def ring(stored: list[StoredEvents]) -> None:
        """After a commit, wake the shop's live feed in every other process (this one's
        has taken the rows already)."""
        for shop_rows in stored:
            pubsub.publish({"shop": shop_rows.shop_id, "upto": shop_rows.last_id})

    bus.on_stored(hub.take_stored)
    bus.on_stored(ring)
    bus.subscribe(MessageCreated.name, count_message)
    group_commit = GroupCommit(sessionmaker, settings, bus=bus)
    worker = Worker(sessionmaker, settings)
    bus.on_jobs_queued(worker.wake)
    gate = write_gate(settings.effective_database_url)
    agent_leases = AgentLeases(sessionmaker, settings, gate)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Agents' replies are checked by the trained quality model on the send path: load
        # it now (from its cache; trained once, about ten seconds, where there is none),
        # not inside the first reply's transaction. (The FAQ bot's intent model stays
        # lazy: not every shop runs the bot, and an idle server counts its MiB.)
        await asyncio.to_thread(quality_model)
        await pubsub.start()
        await group_commit.start()
        if settings.worker_enabled:
            worker.start()
        agent_leases.start()
        # What start-up built (modules, mappers, the app) lives as long as the process:
        # kept out of the collector's full passes, which otherwise walk it every time
        # (bench chat: a full pass took 168 ms of CPU before, 81 ms after); and those
        # passes made rarer (kefu/lib/heap.py).
        settle_heap()
        yield
        await agent_leases.stop()
        await worker.stop()
        await hub.close_all()
        await group_commit.stop()
        await pubsub.stop()
        await engine.dispose()

    app = FastAPI(
        title="Kefu API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.bus = bus
    app.state.sessionmaker = sessionmaker
    app.state.group_commit = group_commit
    app.state.write_gate = gate
    app.state.agent_leases = agent_leases
    app.state.hub = hub
    app.state.pubsub = pubsub
    app.state.worker = worker
    app.state.widget_limits = WidgetLimits.from_settings(settings)
    install_error_handlers(app)
    app.add_middleware(WidgetCORS)
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)
    app.add_middleware(SocketRoutes)  # inside Observe: a socket gets its request id
    app.add_middleware(Observe)  # added last: outermost, so it sees every response
    install_widget(app)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(health_router)
    app.include_router(metrics_router)
    install_pages(app, settings)
    return app
