"""The replay log's rows as the SQLite writer inserts them (a plain multi-row statement,
kefu/actions/streams.py): stored exactly as SQLAlchemy stores them, ids in row order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, text

from kefu.actions.streams import _insert
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
