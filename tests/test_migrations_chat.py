"""Migration 0002 (live chat) runs up, down and up again on this run's database kind."""

from __future__ import annotations

import asyncio
import os
import uuid

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from kefu.db import make_engine
from kefu.schema import downgrade, upgrade
from tests.conftest import _admin_execute

CHAT_TABLES = {"visitors", "conversations", "messages", "stream_events"}


def _tables(url: str) -> set[str]:
    return asyncio.run(_table_names(url))


async def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


def _cycle(url: str) -> None:
    upgrade(url)
    assert _tables(url) >= CHAT_TABLES
    downgrade(url, "0001")
    tables = _tables(url)
    assert not CHAT_TABLES & tables and "shops" in tables
    upgrade(url)
    assert _tables(url) >= CHAT_TABLES


def test_chat_migration_runs_up_and_down(tmp_path):
    server = os.environ.get("KEFU_TEST_DATABASE_URL")
    if not server:
        _cycle(f"sqlite+aiosqlite:///{tmp_path / 'migrate.db'}")
        return
    name = f"kefu_migrate_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
    try:
        _cycle(make_url(server).set(database=name).render_as_string(hide_password=False))
    finally:
        asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
