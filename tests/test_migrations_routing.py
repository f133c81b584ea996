"""Migration 0003 (routing): conversations already waiting keep their place in the queue
(``queued_at`` = when they started), and it runs down and up again."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kefu.db import make_engine
from kefu.schema import downgrade, upgrade
from tests.conftest import _admin_execute

STARTED = "2026-11-11 00:00:05+00:00"


@pytest.fixture
def fresh_url(tmp_path) -> Iterator[str]:
    server = os.environ.get("KEFU_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'routing.db'}"
        return
    name = f"kefu_routing_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, *statements: str) -> list[tuple]:
    async def go() -> list[tuple]:
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                rows: list[tuple] = []
                for statement in statements:
                    result = await conn.execute(text(statement))
                    rows = [tuple(r) for r in result] if result.returns_rows else []
                return rows
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_waiting_conversations_keep_their_place_through_the_migration(fresh_url):
    upgrade(fresh_url, "0002")
    run(
        fresh_url,
        "INSERT INTO shops (id, slug, name, timezone, locale, currency, business_hours,"
        " widget_secret, created_at, updated_at) VALUES (1, 'acme', 'Acme 旗舰店',"
        " 'Asia/Shanghai', 'zh_CN', 'CNY', '{}', 's', "
        f"'{STARTED}', '{STARTED}')",
        "INSERT INTO conversations (id, shop_id, channel, status, tags, created_at, updated_at)"
        f" VALUES (1, 1, 'web', 'open', '[]', '{STARTED}', '{STARTED}')",
    )
    upgrade(fresh_url)
    [(queued, created)] = run(fresh_url, "SELECT queued_at, created_at FROM conversations")
    assert queued == created
    downgrade(fresh_url, "0002")
    assert run(fresh_url, "SELECT count(*) FROM conversations") == [(1,)]
    upgrade(fresh_url)
    assert run(fresh_url, "SELECT count(*) FROM routing_policies") == [(0,)]
