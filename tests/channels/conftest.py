"""A real HTTP receiver for webhooks, an API key of acme, and a worker to drive by hand.

The receiver is a stdlib HTTP server on a free 127.0.0.1 port in a thread; it records
every request and answers with the statuses it is told to (then 200)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from kefu.settings import Settings
from kefu.worker import Worker


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Statuses to answer, in order, before answering 200 to everything.
    failures: list[int] = field(default_factory=list)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                state.requests.append(Received(self.path, dict(self.headers), body))
                status = state.failures.pop(0) if state.failures else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            """Quiet: the test output is for the tests."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def acme_key(client, owen) -> AsyncIterator[httpx.AsyncClient]:
    """The adapter of acme: a client authenticated with a fresh API key of the shop."""
    created = await client.as_(owen).post("/api/v1/api-keys", json={"name": "淘宝适配器"})
    headers = {"Authorization": f"Bearer {created.json()['key']}"}
    async with httpx.AsyncClient(
        transport=client._transport, base_url=client.base_url, headers=headers
    ) as api:
        yield api


def make_worker(
    sessionmaker, settings: Settings, name: str | None = None, **changes: object
) -> Worker:
    """A worker with immediate retries (no waiting in tests) unless told otherwise."""
    values = {"webhook_retry_base_seconds": 0, "webhook_max_attempts": 3} | changes
    return Worker(sessionmaker, settings.model_copy(update=values), name=name)


@pytest.fixture
async def worker(sessionmaker, settings) -> AsyncIterator[Worker]:
    started = make_worker(sessionmaker, settings)
    yield started
    await started.stop()
