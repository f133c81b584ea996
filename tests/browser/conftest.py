"""Browser tests: a real uvicorn server on the test database, driven by Debian's Chromium
through Playwright (never a downloaded browser)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import acme_order  # noqa: F401  (shared fixture)

CHROMIUM = Path(os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120  # a safety net: importing the app takes ~25 s on a loaded 2-core CI box
CLOSE_SECONDS = 30

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS} s")


@contextmanager
def served(settings, **env: str) -> Iterator[str]:
    """``kefu`` served by uvicorn in a subprocess, on the same database as the tests;
    ``env`` adds settings (``KEFU_…`` variables). Yields its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KEFU_DATABASE_URL": settings.database_url,
        "KEFU_DATA_DIR": str(settings.data_dir),
        "KEFU_SECRET_KEY": settings.secret_key,
        "KEFU_WORKER_ENABLED": "false",
        **env,
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "kefu.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def server_url(settings) -> Iterator[str]:
    with served(settings) as url:
        yield url


@pytest.fixture(scope="module")
def demo_server(settings) -> Iterator[str]:
    """A server in demo mode (its /demo/store storefront embeds the widget), per module."""
    with served(settings, KEFU_DEMO_MODE="true") as url:
        yield url


@pytest.fixture(scope="session")
async def chromium():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        try:
            await asyncio.wait_for(browser.close(), CLOSE_SECONDS)
        except TimeoutError:  # leaving async_playwright stops the driver and its browser
            warnings.warn("Chromium did not close in time", stacklevel=1)


def csp_violations(context) -> list[str]:
    """The Content-Security-Policy refusals Chromium reports in ``context`` from now on:
    a test whose page works only because nothing checked the console would hide them."""
    refused: list[str] = []
    context.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def staff(server: str, persona, timeout: float = 30.0) -> httpx.AsyncClient:
    """An API client for the server at ``server`` signed in as ``persona`` (tests.factories),
    with the login's CSRF token on every request."""
    return httpx.AsyncClient(
        base_url=server,
        cookies={"kefu_session": persona.session_token},
        headers={"X-CSRF-Token": persona.csrf_token},
        timeout=timeout,
    )


@asynccontextmanager
async def telling_what_it_shows(lines) -> AsyncIterator[None]:
    """A failed expectation inside says what the page showed in ``lines`` (a locator: the
    chat widget's messages), one line each: Playwright's own message ends with a snapshot
    of the whole page, which for the demo store fills CI's excerpt with the product list."""
    try:
        yield
    except AssertionError as failure:
        first_line = str(failure).splitlines()[0]
        try:
            shown = [" ".join(text.split()) for text in await lines.all_inner_texts()]
        except Exception as exc:  # the page itself is gone: say so instead
            shown = [f"(could not be read: {exc})"]
        raise AssertionError("\n".join([first_line, "the page showed:", *shown])) from None


@asynccontextmanager
async def page_at(chromium, url: str) -> AsyncIterator[object]:
    """A Chinese desktop tab on the server at ``url``; fails if the page broke the CSP."""
    context = await chromium.new_context(
        base_url=url, viewport={"width": 1366, "height": 860}, locale="zh-CN"
    )
    refused = csp_violations(context)
    tab = await context.new_page()
    yield tab
    await context.close()
    assert refused == [], "the page broke our Content-Security-Policy"


@pytest.fixture
async def page(chromium, server_url) -> AsyncIterator[object]:
    async with page_at(chromium, server_url) as tab:
        yield tab


@pytest.fixture
async def demo_shopper(chromium, demo_server) -> AsyncIterator[object]:
    """A Chinese desktop tab on the demo server, for the shopper's side."""
    context = await chromium.new_context(
        base_url=demo_server, viewport={"width": 1366, "height": 860}, locale="zh-CN"
    )
    yield await context.new_page()
    await context.close()
