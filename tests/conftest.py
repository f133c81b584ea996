"""Test set-up on a real database: SQLite by default, PostgreSQL when
``KEFU_TEST_DATABASE_URL`` names a server (tests then create and drop their own database).

Personas: alice and bob (agents) and carol (supervisor) and owen (owner) in shop "acme";
mallory owns another shop, "mallory-mart", and must never see acme's data."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.app import create_app
from kefu.models import Base
from kefu.schema import upgrade
from kefu.settings import Settings
from tests.demo_copy import DemoCopy, demo_shop
from tests.factories import Persona, make_personas
from tests.reports.smtp import Inbox, smtp_server

# This run's own realtime channel, inherited by the server processes tests start: runs
# side by side on one Redis (pytest-xdist workers, two checkouts) never wake each other.
os.environ["KEFU_REDIS_CHANNEL"] = f"kefu:test:{uuid.uuid4().hex[:12]}"

SHARED = Path(__file__).resolve().parents[2] / "shared"
if not SHARED.exists():  # CI clones beside ../shared; a worktree may sit one level deeper
    SHARED = Path(os.environ.get("KEFU_SHARED_DIR", SHARED))


async def _admin_execute(server_url: str, *statements: str) -> None:
    import asyncpg

    url = make_url(server_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test run."""
    server = os.environ.get("KEFU_TEST_DATABASE_URL")
    if not server:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'kefu.db'}"
        upgrade(url)
        yield url
        return
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        secret_key="test-secret-" + "x" * 40,
        # Every test's shopper comes from 127.0.0.1; limits are tested with their own values.
        widget_visitor_per_minute=100_000,
        widget_ip_per_minute=100_000,
        # Webhook tests drive their own workers; no server of the suite sends behind them.
        worker_enabled=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def sessionmaker(app) -> async_sessionmaker[AsyncSession]:
    return app.state.sessionmaker


@pytest.fixture(autouse=True)
async def clean_database(app) -> AsyncIterator[None]:
    """Every test starts from empty tables (faster than a new database per test)."""
    yield
    async with app.state.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f'DELETE FROM "{table.name}"'))


@pytest.fixture
def inbox() -> Inbox:
    """What the shop's SMTP server (a real one on loopback) was given to send."""
    return Inbox()


@pytest.fixture
def smtp_port(inbox: Inbox) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on loopback for the test; its port."""
    yield from smtp_server(inbox)


@pytest.fixture(scope="session")
def demo_copy() -> DemoCopy:
    return DemoCopy()


@pytest.fixture
async def built_demo(app, sessionmaker, demo_copy: DemoCopy):
    """The demo shop as ``kefu demo`` builds it: its DemoSummary (tests/demo_copy.py)."""
    return await demo_shop(app.state.engine, sessionmaker, demo_copy)


@pytest.fixture
async def session(sessionmaker) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
async def personas(sessionmaker) -> dict[str, Persona]:
    async with sessionmaker() as s:
        people = await make_personas(s)
        await s.commit()
    return people


@pytest.fixture
def alice(personas) -> Persona:
    return personas["alice"]


@pytest.fixture
def bob(personas) -> Persona:
    return personas["bob"]


@pytest.fixture
def carol(personas) -> Persona:
    return personas["carol"]


@pytest.fixture
def owen(personas) -> Persona:
    return personas["owen"]


@pytest.fixture
def mallory(personas) -> Persona:
    return personas["mallory"]


class Client(httpx.AsyncClient):
    """An ASGI client that can act as a persona: ``client.as_(alice).get(...)``."""

    def as_(self, persona: Persona) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport,
            base_url=self.base_url,
            cookies={"kefu_session": persona.session_token},
            headers={"X-CSRF-Token": persona.csrf_token},
        )


@pytest.fixture
async def client(app) -> AsyncIterator[Client]:
    async with Client(transport=httpx.ASGITransport(app=app), base_url="http://kefu.test") as c:
        yield c
