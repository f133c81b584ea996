"""Is this process fit to serve? The checks behind ``/readyz``, free of HTTP.

A load balancer sends traffic only to processes that answer ready, so each check is
short (a bounded wait) and says in a few words what is wrong, never a URL or password."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import cache

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0


@cache
def schema_head() -> str | None:
    """The newest migration this version of Kefu knows (read once per process). Alembic
    is imported here, not with the app: it weighs ~10 MiB in every server process, and
    `kefu serve` has it loaded already from migrating at start."""
    from alembic.script import ScriptDirectory

    from kefu.schema import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at, or None when it was never migrated."""
    async with engine.connect() as conn:
        has_table = await conn.run_sync(
            lambda sync: sync.dialect.has_table(sync, "alembic_version")
        )
        if not has_table:
            return None
        return (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()


async def database_problem(engine: AsyncEngine) -> str | None:
    """None when the database answers and is migrated to this version's head."""
    try:
        revision = await asyncio.wait_for(schema_revision(engine), CHECK_SECONDS)
    except Exception as exc:  # any failure to answer means not ready
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return "database unreachable"
    if revision is None:
        return "database not migrated"
    if revision != schema_head():
        return f"database at migration {revision}, expected {schema_head()}"
    return None


async def redis_problem(ping: Callable[[], Awaitable[object]]) -> str | None:
    """None when the fan-out backend answers in time (Redis a PING; in memory always)."""
    try:
        await asyncio.wait_for(ping(), CHECK_SECONDS)
    except Exception as exc:
        log.warning("readiness: Redis does not answer (%s)", type(exc).__name__)
        return "redis unreachable"
    return None


async def readiness_problems(
    engine: AsyncEngine, redis_ping: Callable[[], Awaitable[object]]
) -> list[str]:
    """Everything that keeps this process from serving, checked at the same time."""
    found = await asyncio.gather(database_problem(engine), redis_problem(redis_ping))
    return [problem for problem in found if problem]
