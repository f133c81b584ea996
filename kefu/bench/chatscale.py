"""``kefu bench chat --processes N``: chat across several server processes on PostgreSQL
and Redis, and whether every message still arrives exactly once.

A scratch database is created on the PostgreSQL server (``--database-url``, default the
local one), migrated and seeded like ``kefu bench chat`` (a demo shop, its agents logged
in, shoppers each with a conversation assigned to an agent). N uvicorn subprocesses serve
Kefu on it, fanning events out through Redis (``--redis-url``). The load generator spreads
the sockets over the processes as a load balancer without sticky sessions would: agent i
on process i mod N, shoppers in blocks of one per agent on the next process, so about
(N−1)/N of the messages are stored by one process and delivered by another.

Baseline, in the same run, on the same database with the same load: one process, its
events fanned out in memory. On a 2-core machine shared with the load generator raw
throughput cannot grow with N, so ``ratio`` is the scaling efficiency: messages per
server-CPU-second (all server processes together) with N processes over the same with
one; target ≥ 0.7. ``lost`` counts messages the server acknowledged that never reached
their agent's socket or are not stored; ``duplicated`` counts deliveries beyond the
first; both must be 0."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from kefu.bench import BenchResult, note
from kefu.bench.chat import SECRET, Server, Shape, measure, server_env
from kefu.bench.chatload import LoadFigures, Placement
from kefu.bench.chatseed import Participants, seed
from kefu.db import make_engine
from kefu.errors import Invalid
from kefu.models import Message

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
FULL = Shape(shoppers=200, agents=6, fixed_rate=300.0, seconds=5.0, window=2)
QUICK = Shape(shoppers=20, agents=2, fixed_rate=100.0, seconds=1.0, window=2)
UNLIMITED = "100000000"  # the widget's rate limits, per visitor and per IP


def placement(addresses: list[str], agents: int) -> Placement:
    """Agent i on process i mod N; shopper n (whose agent is n mod ``agents``) on process
    (n div ``agents``) mod N, so a shopper shares a process with its agent only by chance."""
    count = len(addresses)
    return Placement(
        agent=lambda i: addresses[i % count],
        shopper=lambda n: addresses[(n // agents) % count],
    )


async def _admin(server_url: str, statement: str) -> None:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def scratch_database(
    server_url: str, *, prefix: str = "kefu_bench_chat", why: str = "--processes 2 or more"
) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server_url``'s server, dropped afterwards
    (named ``prefix`` and a random suffix; ``why``: what needs PostgreSQL, for the error)."""
    url = make_url(server_url)
    if url.get_backend_name() != "postgresql":
        raise Invalid(
            f"{why} runs on PostgreSQL: give --database-url postgresql+asyncpg://USER@HOST:PORT/DB",
            field="database_url",
        )
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except OSError as exc:
        where = f"{url.host}:{url.port or 5432}"
        raise Invalid(f"PostgreSQL is not reachable at {where}: {exc}") from exc
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _check_redis(redis_url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        raise Invalid(f"Redis is not reachable at {redis_url}: {exc}", field="redis_url") from exc


async def _stored_client_ids(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(Message.client_id).where(Message.client_id.is_not(None))
            )
            return {str(client_id) for client_id in rows.scalars()}
    finally:
        await engine.dispose()


async def _serve_and_measure(
    work: Path, url: str, redis_url: str, count: int, people: Participants, shape: Shape
) -> LoadFigures:
    """``count`` server processes (Redis between them when several) under the load."""
    env = server_env(
        work,
        KEFU_DATABASE_URL=url,
        KEFU_REDIS_URL=redis_url if count > 1 else "",
        KEFU_WIDGET_VISITOR_PER_MINUTE=UNLIMITED,
        KEFU_WIDGET_IP_PER_MINUTE=UNLIMITED,
    )
    async with AsyncExitStack() as stack:
        servers = [
            await stack.enter_async_context(Server("kefu.app:create_app", env))
            for _ in range(count)
        ]
        addresses = [server.address for server in servers]
        return await measure(servers, placement(addresses, len(people.agents)), people, shape)


async def _bench(
    work: Path, url: str, redis_url: str, processes: int, shape: Shape
) -> tuple[LoadFigures, LoadFigures, int]:
    note(f"seeding a demo shop, {shape.shoppers} shoppers and {shape.agents} agents …")
    people = await seed(url, SECRET, shopper_count=shape.shoppers, agent_count=shape.agents)
    note("baseline: one Kefu process (PostgreSQL, events fanned out in memory) …")
    one = await _serve_and_measure(work, url, redis_url, 1, people, shape)
    note(f"  {one.describe()}")
    note(f"{processes} Kefu processes (PostgreSQL, Redis between them) …")
    many = await _serve_and_measure(work, url, redis_url, processes, people, shape)
    note(f"  {many.describe()}")
    stored = await _stored_client_ids(url)
    acknowledged = one.delivery.acked | many.delivery.acked
    return one, many, len(acknowledged - stored)


def run(
    quick: bool, processes: int, database_url: str | None, redis_url: str | None
) -> BenchResult:
    shape = QUICK if quick else FULL
    redis_url = redis_url or DEFAULT_REDIS_URL
    _check_redis(redis_url)
    from kefu.schema import upgrade

    with (
        scratch_database(database_url or DEFAULT_DATABASE_URL) as url,
        TemporaryDirectory(prefix="kefu-bench-chatscale-") as tmp,
    ):
        upgrade(url)
        one, many, not_stored = asyncio.run(_bench(Path(tmp), url, redis_url, processes, shape))
    lost = many.delivery.lost + one.delivery.lost + not_stored
    return BenchResult(
        bench="chat",
        metric="msgs_per_cpu_second",
        value=round(many.msgs_per_cpu_second),
        unit="msgs per server CPU second",
        baseline="one Kefu process on the same PostgreSQL database, same load; "
        "ratio = scaling efficiency (msgs per server CPU second, N processes / one)",
        baseline_value=round(one.msgs_per_cpu_second),
        ratio=round(many.msgs_per_cpu_second / one.msgs_per_cpu_second, 3),
        extra={
            "processes": processes,
            "lost": lost,
            "duplicated": many.delivery.duplicated + one.delivery.duplicated,
            "acknowledged": many.delivery.acknowledged + one.delivery.acknowledged,
            "msgs_per_second": round(many.best.msgs_per_second),
            "baseline_msgs_per_second": round(one.best.msgs_per_second),
            "offered_rate": shape.fixed_rate,
            "p50_ms": many.fixed.p50_ms,
            "p99_ms": many.fixed.p99_ms,
            "baseline_p50_ms": one.fixed.p50_ms,
            "baseline_p99_ms": one.fixed.p99_ms,
            "max_p99_ms": many.best.p99_ms,
            "shoppers": shape.shoppers,
            "agents": shape.agents,
        },
    )
