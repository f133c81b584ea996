"""The background polls that find nothing to do take no write lock (``kefu.db.any_row``):
on SQLite the chat writer, whose batch holds the database's one write lock, never waits
for them, nor they for it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from contextlib import nullcontext

import pytest
from sqlalchemy.engine import make_url

from kefu.realtime.presence import AgentLeases
from kefu.worker import Worker

pytestmark = pytest.mark.usefixtures("personas")


@pytest.fixture
def sqlite_only(settings):
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")


async def test_idle_polls_wait_for_no_writer(sqlite_only, settings, sessionmaker):
    worker = Worker(sessionmaker, settings)
    leases = AgentLeases(sessionmaker, settings, nullcontext())
    polls = (
        worker.run_once,  # with the stale deliveries' re-queue
        worker.wake_snoozed,
        worker.close_idle_bot_conversations,
        worker.sweep_sla,
        worker.send_campaign_messages,
        worker.run_journeys,
        worker.fold_reports,
        worker.score_conversations,
        worker.send_reports,
        worker.poll_mail,
        worker.send_mail,
        leases.tick,
    )
    try:
        for poll in polls:  # what the fixtures left due is done
            await poll()
        database = make_url(settings.effective_database_url).database
        with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as writer:
            writer.execute("BEGIN IMMEDIATE")  # the write lock, as a chat batch holds it
            try:
                async with asyncio.timeout(5):  # a write would wait 15 s (busy_timeout)
                    for poll in polls:
                        await poll()
            finally:
                writer.execute("ROLLBACK")
    finally:
        await worker.stop()
