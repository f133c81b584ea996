"""Apps of their own for operations tests: pointed at a database or Redis that is not
fit to serve, which the shared ``app`` fixture must never be."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from kefu.app import create_app
from kefu.settings import Settings


@pytest.fixture
async def app_with(settings: Settings) -> AsyncIterator[Callable[..., FastAPI]]:
    """``app_with(redis_url=...)``: the test settings with some fields replaced."""
    made: list[FastAPI] = []

    def make(**changes: Any) -> FastAPI:
        app = create_app(settings.model_copy(update=changes))
        made.append(app)
        return app

    yield make
    for app in made:
        await app.state.engine.dispose()


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kefu.test")
