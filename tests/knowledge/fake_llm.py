"""A fake OpenAI-compatible chat-completions API on loopback, for the optional LLM's
contract tests: it answers as told (``FakeLlm.mode``) and keeps every request it got."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

KEY = "sk-test-secret-key-0123456789"
POLISHED = "亲，您的包裹已经在路上啦，预计明天送达，请您耐心等待哦～"


@dataclass
class FakeLlm:
    """What the fake answers (``mode``) and every request it received."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def _handler(fake: FakeLlm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length))
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if fake.mode == "slow":
                time.sleep(1.5)
            if fake.mode == "busy":
                return self._send(429, b'{"error": {"message": "rate limit"}}')
            if fake.mode == "error":  # an error page that echoes the request's key
                echoed = json.dumps({"error": self.headers.get("Authorization")})
                return self._send(500, echoed.encode())
            if fake.mode == "not_json":
                return self._send(200, b"<html>gateway</html>", "text/html")
            if fake.mode == "no_choices":
                return self._send(200, b'{"id": "x", "choices": []}')
            answer = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": POLISHED}}],
            }
            self._send(200, json.dumps(answer).encode())

    return Handler


@contextmanager
def fake_llm_server() -> Iterator[FakeLlm]:
    """The fake OpenAI-compatible API, served on loopback in a thread."""
    fake = FakeLlm()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with fake_llm_server() as fake:
        yield fake


@pytest.fixture
def llm_on(app, fake_llm) -> Iterator[FakeLlm]:
    """The app configured for the fake LLM (0.5 s timeout) for one test."""
    kept = app.state.settings
    app.state.settings = kept.model_copy(
        update={
            "llm_base_url": fake_llm.url,
            "llm_api_key": SecretStr(KEY),
            "llm_model": "qwen-test",
            "llm_timeout_seconds": 0.5,
        }
    )
    yield fake_llm
    app.state.settings = kept
