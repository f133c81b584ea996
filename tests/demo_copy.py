"""The demo shop for tests that need one: built by ``build_demo`` once per test session,
then copied back into the (emptied) database for each later test that asks. Building takes
half a minute; putting the built rows back takes about a second, on SQLite and
PostgreSQL alike. Tests of the build itself (``kefu demo``, a refresh that changes
nothing) still call ``build_demo`` on top of the copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kefu.demo.build import DemoSummary, build_demo
from kefu.models import Base

BATCH = 2_000  # rows per INSERT: PostgreSQL takes at most 32,767 parameters a statement


@dataclass
class DemoCopy:
    """The first build's summary and every table's rows, in dependency order."""

    summary: DemoSummary | None = None
    rows: list[tuple[Any, list[dict[str, Any]]]] = field(default_factory=list)


async def _take(engine: AsyncEngine) -> list[tuple[Any, list[dict[str, Any]]]]:
    async with engine.connect() as conn:
        return [
            (table, [dict(row._mapping) for row in await conn.execute(select(table))])
            for table in Base.metadata.sorted_tables
        ]


async def _put_back(engine: AsyncEngine, rows: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    async with engine.begin() as conn:
        for table, found in rows:
            for start in range(0, len(found), BATCH):
                await conn.execute(insert(table), found[start : start + BATCH])
        if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table, found in rows:
                await _advance_sequence(conn, table, bool(found))


async def _advance_sequence(conn: Any, table: Any, filled: bool) -> None:
    if "id" not in table.c or not table.c.id.autoincrement:
        return
    sequence = await conn.scalar(text(f"SELECT pg_get_serial_sequence('{table.name}', 'id')"))
    if sequence is None or not filled:
        return
    last = await conn.scalar(select(func.max(table.c.id)))
    # Never back: ids handed out by earlier tests must not come again (as in production,
    # where a live feed or a reconnecting client skips an id it has seen).
    await conn.execute(
        text("SELECT setval(:sequence, greatest(:last, nextval(:sequence)))"),
        {"sequence": sequence, "last": last},
    )


async def demo_shop(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], copy: DemoCopy
) -> DemoSummary:
    """The demo shop in the database (empty before): built the first time, copied after."""
    if copy.summary is None:
        async with sessionmaker() as session:
            summary = await build_demo(session)
            await session.commit()
        copy.rows = await _take(engine)
        copy.summary = summary
        return summary
    await _put_back(engine, copy.rows)
    return copy.summary
