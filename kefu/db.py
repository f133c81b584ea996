"""Engines and sessions for SQLite (default) and PostgreSQL.

SQLite gets WAL, a busy timeout and foreign keys on every connection so that the
embedded default behaves like a server database under concurrent readers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, TextClause, create_engine, event, exists, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from kefu.lib import jsontext

# JSON columns are read through orjson: the live feed reads every message's replay rows
# back (kefu/lib/jsontext.py). They are still written by the standard library, \u escapes
# and all: searches match stored text (a tag is found by LIKE on its json.dumps form,
# kefu/queries/customers.py), and rows written before must keep matching.
JSON_READING: dict[str, Any] = {"json_deserializer": jsontext.loads}


async def any_row(
    session: AsyncSession, table: Any, *criteria: ColumnElement[bool] | TextClause
) -> bool:
    """Whether a row of ``table`` (a model) meets ``criteria``: asked before an ``UPDATE``
    that the worker runs at every poll and that mostly finds nothing to do. On SQLite an
    ``UPDATE`` takes the database's one write lock even when it matches no row, and
    SQLite's chat writer, waiting for it in the busy handler's sleeps, held every message
    of its batch: at 2,000 msgs/s those waits came once a second and were the p99
    (``kefu bench chat``). A read takes no lock a writer waits for."""
    return bool(await session.scalar(select(exists().select_from(table).where(*criteria))))


def is_sqlite(url: str) -> bool:
    """True for any SQLite URL, async or not."""
    return make_url(url).get_backend_name() == "sqlite"


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url``, creating the SQLite directory if needed."""
    parsed = make_url(url)
    # Statement parameters hold password hashes and phone numbers; an error's message
    # (logged with its traceback) must not carry them.
    kwargs.setdefault("hide_parameters", True)
    kwargs.update(JSON_READING)
    if is_sqlite(url):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def write_gate(url: str) -> AbstractAsyncContextManager[Any]:
    """What this process's rare writers on the event loop (the agent-socket leases) hold
    around their transaction on SQLite, so they take turns instead of colliding inside
    SQLite's busy handler, which sleeps in steps of up to 100 ms. Chat messages go
    through the group commit instead (kefu/groupcommit.py). PostgreSQL locks rows itself,
    so nothing is held there."""
    return asyncio.Lock() if is_sqlite(url) else nullcontext()


def sqlite_file(url: str) -> str | None:
    """``url`` when it names a SQLite file (which a writer of its own can open beside the
    server's connections); None for an in-memory database or another database."""
    parsed = make_url(url)
    if not is_sqlite(url) or not parsed.database or parsed.database == ":memory:":
        return None
    return url


def make_sync_sqlite_engine(url: str, *, auto_checkpoint: bool = True) -> Engine:
    """A synchronous engine on the SQLite file of ``url`` (see ``sqlite_file``): for a
    writer that runs many statements in one go without a hand-off per statement. Without
    ``auto_checkpoint`` its commits leave the write-ahead log to a checkpointer of their
    own (``kefu.checkpoints``)."""
    parsed = make_url(url)
    engine = create_engine(
        parsed.set(drivername="sqlite+pysqlite"), pool_size=1, hide_parameters=True, **JSON_READING
    )
    event.listen(engine, "connect", _set_sqlite_pragmas)
    if not auto_checkpoint:
        event.listen(engine, "connect", _no_auto_checkpoint)
    return engine


def _no_auto_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def make_sessionmaker(engine: AsyncEngine, **info: Any) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no lazy reloads in async).

    ``info`` is copied into every session's ``info`` (the event bus travels this way)."""
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


@asynccontextmanager
async def session_scope(
    maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session for work outside a request (CLI, jobs); rolls back on error."""
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
