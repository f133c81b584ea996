"""Chat fixtures: a real uvicorn server on a free port, visitors with their tokens."""

from __future__ import annotations

import asyncio
import socket
import sys
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import uvicorn

from kefu.lib.ratelimit import RateLimiter
from kefu.web.ratelimits import WidgetLimits
from tests.chat.wsclient import Socket
from tests.factories import Persona

STOP_SECONDS = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
async def server(app) -> AsyncIterator[str]:
    """The test app served by uvicorn on 127.0.0.1; yields its ``host:port``."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve())
    while not runner.started:  # noqa: ASYNC110 - uvicorn only offers this flag
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{port}"
    runner.should_exit = True
    try:
        await asyncio.wait_for(asyncio.shield(task), STOP_SECONDS)
    except TimeoutError:
        # A handler that outlives its socket would hold the run up for ever: show where
        # each task is, then make uvicorn give up on them.
        for stuck in asyncio.all_tasks():
            if stuck is not asyncio.current_task():
                stuck.print_stack(file=sys.stderr)
        warnings.warn("uvicorn did not stop in time; task stacks are on stderr", stacklevel=1)
        runner.force_exit = True
        await task


@dataclass(slots=True)
class Shopper:
    token: str
    public_id: str
    conversation_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Visitor-Token": self.token}


async def make_shopper(client, shop_slug: str = "acme", skill: str = "presale") -> Shopper:
    """A visitor with a token and an open conversation, through the widget's REST API."""
    issued = await client.post(f"/api/v1/widget/{shop_slug}/visitors", json={"page": "/p/1"})
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    started = await client.post(
        "/api/v1/widget/conversations", json={"skill": skill}, headers={"X-Visitor-Token": token}
    )
    assert started.status_code == 200, started.text
    return Shopper(token, issued.json()["visitor_id"], started.json()["id"])


@pytest.fixture
async def shopper(client, personas) -> Shopper:
    return await make_shopper(client)


def agent_headers(persona: Persona) -> dict[str, str]:
    return {"Cookie": f"kefu_session={persona.session_token}"}


async def agent_socket(server: str, persona: Persona, **kwargs) -> Socket:
    return await Socket.open(f"ws://{server}/ws/agent", headers=agent_headers(persona), **kwargs)


async def visitor_socket(server: str, shopper: Shopper, **kwargs) -> Socket:
    return await Socket.open(f"ws://{server}/ws/visitor?token={shopper.token}", **kwargs)


@pytest.fixture
def strict_widget_limits(app):
    """The app's widget limits, set to two requests a minute for one test."""
    kept = app.state.widget_limits
    app.state.widget_limits = WidgetLimits(RateLimiter(2), RateLimiter(1000))
    yield
    app.state.widget_limits = kept
