"""Liveness and readiness probes, with readiness failing for real: a database never
migrated, one left at an older migration, a database server that does not answer and a
Redis that does not answer."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from kefu.health import schema_head
from kefu.schema import upgrade
from tests.ops.conftest import client_of

UNREACHABLE_POSTGRES = "postgresql+asyncpg://kefu:secret@127.0.0.1:1/kefu"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "")


async def test_healthz_answers_without_the_database(app_with):
    app = app_with(database_url=UNREACHABLE_POSTGRES)
    async with client_of(app) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_on_a_migrated_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_refuses_a_database_never_migrated(app_with, tmp_path: Path):
    app = app_with(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with client_of(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database not migrated"}


async def test_readyz_refuses_a_database_behind_this_version(app_with, tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, url, "0010")
    app = app_with(database_url=url)
    async with client_of(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == f"database at migration 0010, expected {schema_head()}"


async def test_readyz_refuses_an_unreachable_database_without_telling_its_password(app_with):
    app = app_with(database_url=UNREACHABLE_POSTGRES)
    async with client_of(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "database unreachable"
    assert "secret" not in response.text


async def test_readyz_refuses_an_unreachable_redis(app_with):
    app = app_with(redis_url=UNREACHABLE_REDIS)
    async with client_of(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "redis unreachable"}


@pytest.mark.skipif(not REDIS_URL, reason="needs KEFU_TEST_REDIS_URL")
async def test_readyz_is_ready_with_a_redis_that_answers(app_with):
    app = app_with(redis_url=REDIS_URL)
    async with client_of(app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 200, response.text
