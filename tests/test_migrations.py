"""Migrations run up, down and up again on SQLite and PostgreSQL, and match the models.

A model change without its migration would leave a deployed database behind the code;
the autogenerate comparison catches that here instead of in production."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, inspect, text
from sqlalchemy.engine import Connection, make_url

from kefu.db import make_engine
from kefu.models import Base
from kefu.schema import downgrade, upgrade
from tests.conftest import _admin_execute


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database with no tables at all, on the server the suite runs against."""
    server = os.environ.get("KEFU_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"kefu_migrations_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return _without_expression_noise(compare_metadata(context, Base.metadata))


def _without_expression_noise(differences: list[Any]) -> list[Any]:
    """Drop the remove-and-add pair alembic reports for an index on an expression (such as
    ix_cases_shop_due) that both sides have: PostgreSQL gives the expression back
    normalised (casts, ``= ANY (ARRAY[…])``), so its text never equals the model's."""

    def on_expression(diff: Any) -> str | None:
        if diff[0] in ("add_index", "remove_index") and any(
            not isinstance(column, Column) for column in diff[1].expressions
        ):
            return str(diff[1].name)
        return None

    removed = {on_expression(d) for d in differences if d[0] == "remove_index"} - {None}
    added = {on_expression(d) for d in differences if d[0] == "add_index"} - {None}
    both = removed & added
    return [d for d in differences if on_expression(d) not in both]


def on_database(url: str, work: Any) -> Any:
    """Run ``work(connection)`` on a fresh connection to ``url``."""

    async def run() -> Any:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_upgrade_downgrade_and_upgrade_again(empty_database_url):
    upgrade(empty_database_url)
    assert {t.name for t in Base.metadata.sorted_tables} <= on_database(empty_database_url, _tables)

    downgrade(empty_database_url, "base")
    assert on_database(empty_database_url, _tables) <= {"alembic_version"}

    upgrade(empty_database_url)
    assert "orders" in on_database(empty_database_url, _tables)


def test_models_match_the_migrations(empty_database_url):
    upgrade(empty_database_url)
    assert on_database(empty_database_url, _differences) == []


STARTED = "2026-11-11 00:00:05+00:00"
SEED_0002 = (
    "INSERT INTO shops (id, slug, name, timezone, locale, currency, business_hours,"
    f" widget_secret, created_at, updated_at) VALUES (1, 'acme', 'Acme 旗舰店', 'Asia/Shanghai',"
    f" 'zh_CN', 'CNY', '{{}}', 's', '{STARTED}', '{STARTED}')",
    "INSERT INTO conversations (id, shop_id, channel, status, tags, created_at, updated_at)"
    f" VALUES (1, 1, 'web', 'open', '[]', '{STARTED}', '{STARTED}')",
)


def _sql(*statements: str) -> Any:
    """``on_database`` work that runs ``statements``, commits and returns the last rows."""

    def work(connection: Connection) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            result = connection.execute(text(statement))
            rows = [tuple(r) for r in result] if result.returns_rows else []
        connection.commit()
        return rows

    return work


def test_routing_keeps_waiting_conversations_in_their_place(empty_database_url):
    """0004: a conversation waiting before the upgrade has waited since it started."""
    upgrade(empty_database_url, "0003")
    on_database(empty_database_url, _sql(*SEED_0002))
    upgrade(empty_database_url)
    [(queued, created)] = on_database(
        empty_database_url, _sql("SELECT queued_at, created_at FROM conversations")
    )
    assert queued == created
    downgrade(empty_database_url, "0003")
    assert on_database(empty_database_url, _sql("SELECT count(*) FROM conversations")) == [(1,)]
    upgrade(empty_database_url)
    assert "routing_policies" in on_database(empty_database_url, _tables)


def test_past_bad_ratings_count_once_in_the_recovery_rate(empty_database_url):
    """0035: a 1–2★ rating already recorded counts in the recovery rate's denominator
    only outside a complaint conversation (its fact's value, and its rollup's total)."""
    upgrade(empty_database_url, "0003")
    on_database(empty_database_url, _sql(SEED_0002[0]))
    upgrade(empty_database_url, "0034")
    events = [
        "INSERT INTO report_events (shop_id, kind, occurred_at, stage, value, folded)"
        f" VALUES (1, 'rating_bad', '{STARTED}', {stage}, 0, true)"
        for stage in ("'aftersale'", "'complaint'", "NULL")
    ]
    rollups = [
        "INSERT INTO report_rollups (shop_id, hour, kind, agent_id, team_id, channel, stage,"
        f" intent, segment, count, total) VALUES (1, '{STARTED}', 'rating_bad', 0, 0, 'web',"
        f" '{stage}', '', '', 2, 0)"
        for stage in ("aftersale", "complaint", "")
    ]
    on_database(empty_database_url, _sql(*events, *rollups))
    upgrade(empty_database_url)
    read = _sql("SELECT stage, value FROM report_events ORDER BY id")
    assert on_database(empty_database_url, read) == [("aftersale", 1), ("complaint", 0), (None, 1)]
    totals = _sql("SELECT stage, total FROM report_rollups ORDER BY stage")
    assert on_database(empty_database_url, totals) == [("", 2), ("aftersale", 2), ("complaint", 0)]


def test_replay_log_ids_are_never_handed_out_twice(empty_database_url):
    """0038: once the cleanup has pruned every event, the next event still gets an id past
    all earlier ones (live feeds and reconnecting clients skip ids they have seen)."""
    upgrade(empty_database_url, "0003")
    on_database(empty_database_url, _sql(SEED_0002[0]))
    upgrade(empty_database_url, "0037")
    event = (
        "INSERT INTO stream_events (shop_id, stream, name, payload, created_at)"
        f" VALUES (1, 'shop:1', 'message.created', '{{}}', '{STARTED}')"
    )
    pruned = (
        "DELETE FROM stream_events",
        f"INSERT INTO stream_horizon (id, pruned_through, updated_at) VALUES (1, 7, '{STARTED}')",
    )
    on_database(empty_database_url, _sql(*[event] * 7, *pruned))
    upgrade(empty_database_url)
    newest = _sql(event, "SELECT max(id) FROM stream_events")
    assert on_database(empty_database_url, newest) == [(8,)]
    on_database(empty_database_url, _sql("DELETE FROM stream_events"))
    assert on_database(empty_database_url, newest) == [(9,)]
