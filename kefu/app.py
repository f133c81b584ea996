"""The composition root: builds the ASGI app from settings and wires its parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kefu import __version__
from kefu.db import make_engine, make_sessionmaker
from kefu.eventbus import EventBus
from kefu.settings import Settings
from kefu.web.api.v1 import api_router
from kefu.web.errors import install_error_handlers
from kefu.web.pages import install_pages

API_DESCRIPTION = """Kefu's REST API. Authenticate with an API key
(`Authorization: Bearer kefu_…`, created under Settings → API keys) or a browser session.

Lists use cursor pagination: pass `next_cursor` back as `cursor`. Every error has the body
`{"error": {"code": "...", "message": "...", "field": "..."}}`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The engine is created here and disposed when the app shuts down."""
    settings = settings or Settings()
    settings.check_secure()
    engine = make_engine(settings.effective_database_url)
    bus = EventBus()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
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
    app.state.sessionmaker = make_sessionmaker(engine, bus=bus)
    install_error_handlers(app)
    app.include_router(api_router, prefix="/api/v1")
    install_pages(app, settings)
    return app
