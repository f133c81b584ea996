"""The replay log's rows as the SQLite writer inserts them (a plain multi-row statement,
kefu/actions/streams.py): stored exactly as SQLAlchemy stores them, ids in row order."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import make_url

from kefu.actions.streams import _insert, emit
from kefu.eventbus import RecordingBus
from kefu.events import AgentChanged
from kefu.models import StreamEvent

PAYLOAD = {"message": {"body": "我要退款！😡", "kind": "text"}, "n": 1, "ok": True, "x": None}
AT = dt.datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.fixture
def sqlite_only(settings):
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL inserts the rows through SQLAlchemy's statement")


async def _raw(session, ids):
    statement = text(
        "SELECT id, shop_id, stream, name, payload, created_at FROM stream_events "
        "WHERE id IN :ids ORDER BY id"
    ).bindparams(bindparam("ids", expanding=True))
    return [tuple(row) for row in await session.execute(statement, {"ids": ids})]


async def test_rows_are_stored_as_sqlalchemy_stores_them_with_ids_in_row_order(
    sqlite_only, sessionmaker, personas
):
    shop_id = personas["alice"].shop_id
    async with sessionmaker() as session:
        by_orm = StreamEvent(
            shop_id=shop_id, stream="shop:1", name="message.created", payload=PAYLOAD, created_at=AT
        )
        session.add(by_orm)
        await session.flush()
        rows = [
            {
                "shop_id": shop_id,
                "stream": s,
                "name": "message.created",
                "payload": PAYLOAD,
                "created_at": AT,
            }
            for s in ("shop:1", "visitor:ab12", "agent:7")
        ]
        ids = await session.run_sync(lambda sync: _insert(sync.connection(), rows))
        orm_row, *ours = await _raw(session, [by_orm.id, *ids])
        await session.rollback()
    assert ids == sorted(ids) and ids[0] > by_orm.id
    assert [row[0] for row in ours] == ids
    assert [row[2] for row in ours] == ["shop:1", "visitor:ab12", "agent:7"]
    for row in ours:  # payload text and time text exactly as the ORM wrote them
        assert row[1:2] + row[3:] == orm_row[1:2] + orm_row[3:]


async def test_a_row_another_connection_commits_just_before_ours_counts_as_before_them(
    sqlite_only, app, sessionmaker, personas
):
    """A transaction whose only write is its replay rows: a row of the same shop that
    another connection commits just before ours are inserted is "before them", or the
    live feed, handed our rows as following straight on, would skip it."""
    shop_id = personas["alice"].shop_id
    database = make_url(app.state.settings.effective_database_url).database
    others: list[int] = []

    def another_connection_commits_first(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO stream_events") and not others:
            with contextlib.closing(sqlite3.connect(database)) as other, other:
                inserted = other.execute(
                    "INSERT INTO stream_events (shop_id, stream, name, payload, created_at)"
                    " VALUES (?, 'shop:elsewhere', 'agent.changed', '{}', ?) RETURNING id",
                    (shop_id, AT.isoformat(sep=" ")),
                )
                others.append(inserted.fetchone()[0])

    bus = RecordingBus()
    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", another_connection_commits_first)
    try:
        async with sessionmaker(info={"bus": bus}) as session:
            await emit(session, AgentChanged(shop_id, {"agent_id": 1}, frozenset({"shop:1"})))
            await session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", another_connection_commits_first)
    [[stored]] = [told for kind, told in bus.take() if kind == "stored"]
    assert others and stored.after_id == others[0] < stored.last_id
