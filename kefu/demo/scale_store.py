"""Writing ``kefu demo --scale N`` into the database fast: ids handed out in Python from
max(id)+1 (no RETURNING), rows as tuples in large transactions, through the driver
itself: ``executemany`` on one SQLite connection, ``COPY`` on PostgreSQL. The rollups
are upserted (``ON CONFLICT … DO UPDATE`` adds to what earlier facts summed), so the
scaled shop reads like one whose worker folded every fact."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from kefu.db import is_sqlite, make_engine, make_sessionmaker
from kefu.demo import staff as demo_staff
from kefu.demo.scale import (
    COLUMNS,
    ROLLUP_COLUMNS,
    Batch,
    Generator,
    Ids,
    Staff,
    pg_stamp,
    sqlite_stamp,
)
from kefu.errors import Invalid, NotFound
from kefu.models import Agent, Product, Shop, Team, User

SEED = 20261111
COMMIT_EVERY = 100_000  # conversations per transaction
ROLLUP_KEY = ROLLUP_COLUMNS[:-2]  # all but count and total
# Tables in the order their rows may reference each other.
ORDER = (
    "customers",
    "visitors",
    "conversations",
    "messages",
    "orders",
    "order_lines",
    "cases",
    "report_events",
)


@dataclass(frozen=True, slots=True)
class ScaleSummary:
    """What one ``--scale`` run added, and how long it took."""

    rows: dict[str, int]
    seconds: float


@dataclass(frozen=True, slots=True)
class ShopContext:
    shop_id: int
    staff: Staff
    products: list[tuple[int, str, str, int]]
    ids: Ids
    next_case_number: int


def check_scale(value: str | int) -> int:
    """The number of conversations asked for, refused unless a whole number ≥ 1."""
    try:
        count = int(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        raise Invalid(f"--scale takes a number of conversations, not {value!r}") from None
    if count < 1:
        raise Invalid(f"--scale takes at least 1 conversation, not {count}")
    return count


async def _context(url: str) -> ShopContext:
    """The demo shop's people, teams, products and the next free ids, read through the
    ordinary engine before the bulk writer takes over."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            shop = await session.scalar(select(Shop).where(Shop.slug == demo_staff.SLUG))
            if shop is None:
                raise NotFound("the demo shop does not exist; run kefu demo first")
            rows = await session.execute(
                select(User.email, Agent.id)
                .join(Agent, Agent.user_id == User.id)
                .where(Agent.shop_id == shop.id)
            )
            agent_ids = dict(rows.all())
            teams = await session.execute(select(Team.name, Team.id).where(Team.shop_id == shop.id))
            team_ids = dict(teams.all())
            by_skill: dict[str, list[tuple[int, int]]] = {}
            names: dict[int, str] = {}
            for team_name, skill, members in demo_staff.TEAMS:
                for key in members:
                    person = next(
                        p for p in (demo_staff.SUPERVISOR, *demo_staff.AGENTS) if p.key == key
                    )
                    agent_id = agent_ids[person.email]
                    by_skill.setdefault(skill, []).append((agent_id, team_ids[team_name]))
                    names[agent_id] = person.name
            products = await session.execute(
                select(Product.id, Product.sku, Product.title, Product.price_cents)
                .where(Product.shop_id == shop.id)
                .order_by(Product.id)
            )
            ids = {}
            for table in ORDER:
                model_table = Shop.metadata.tables[table]
                ids[table] = (await session.scalar(select(func.max(model_table.c.id)))) or 0
            return ShopContext(
                shop.id,
                Staff(by_skill, names),
                [tuple(p) for p in products.all()],  # type: ignore[misc]
                Ids({table: last + 1 for table, last in ids.items()}),
                shop.last_case_number + 1,
            )
    finally:
        await engine.dispose()


class SqliteWriter:
    """One sqlite3 connection, rows through ``executemany``, one transaction per chunk."""

    true = 1
    stamp = staticmethod(sqlite_stamp())

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "busy_timeout=15000",
            "foreign_keys=ON",
            "cache_size=-262144",  # 256 MiB: the indexes being appended to stay in memory
            "temp_store=MEMORY",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def upsert_rollups(self, rows: list[tuple]) -> None:
        marks = ", ".join("?" * len(ROLLUP_COLUMNS))
        self.conn.executemany(
            f"INSERT INTO report_rollups ({', '.join(ROLLUP_COLUMNS)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET "
            "count = count + excluded.count, total = total + excluded.total",
            rows,
        )

    async def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    async def finish(self, shop_id: int, last_case_number: int, tables: Sequence[str]) -> None:
        self.conn.execute(
            "UPDATE shops SET last_case_number = ? WHERE id = ?", (last_case_number, shop_id)
        )
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        self.conn.close()


class PostgresWriter:
    """One asyncpg connection, rows through ``COPY``; the rollups through a temporary
    table merged with ``INSERT … SELECT … ON CONFLICT``; sequences moved past the ids."""

    true = True
    stamp = staticmethod(pg_stamp)

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    async def connect(cls, url: str) -> PostgresWriter:
        import asyncpg

        parsed = make_url(url)
        conn = await asyncpg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
        )
        writer = cls(conn)
        await conn.execute(
            "CREATE TEMP TABLE scale_rollups (LIKE report_rollups INCLUDING DEFAULTS)"
        )
        writer.transaction = conn.transaction()
        await writer.transaction.start()
        return writer

    async def insert(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def upsert_rollups(self, rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(
            "scale_rollups", records=rows, columns=list(ROLLUP_COLUMNS)
        )
        names = ", ".join(ROLLUP_COLUMNS)
        await self.conn.execute(
            f"INSERT INTO report_rollups ({names}) SELECT {names} FROM scale_rollups "
            f"ON CONFLICT ({', '.join(ROLLUP_KEY)}) DO UPDATE SET "
            "count = report_rollups.count + excluded.count, "
            "total = report_rollups.total + excluded.total"
        )
        await self.conn.execute("TRUNCATE scale_rollups")

    async def commit(self) -> None:
        await self.transaction.commit()
        self.transaction = self.conn.transaction()
        await self.transaction.start()

    async def finish(self, shop_id: int, last_case_number: int, tables: Sequence[str]) -> None:
        await self.conn.execute(
            "UPDATE shops SET last_case_number = $1 WHERE id = $2", last_case_number, shop_id
        )
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await self.transaction.commit()
        for table in (*tables, "report_rollups"):
            await self.conn.execute(f"ANALYZE {table}")
        await self.conn.close()


async def _write(writer: Any, batch: Batch, counts: dict[str, int]) -> None:
    for table in ORDER:
        rows = batch.rows.get(table)
        if rows:
            await writer.insert(table, COLUMNS[table], rows)
            counts[table] = counts.get(table, 0) + len(rows)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )


async def scale_demo(url: str, conversations: int, *, show_progress: bool = True) -> ScaleSummary:
    """Add ``conversations`` conversations (and everything they make) to the demo shop."""
    started = time.perf_counter()
    context = await _context(url)
    if is_sqlite(url):
        writer: Any = SqliteWriter(str(make_url(url).database))
    else:
        writer = await PostgresWriter.connect(url)
    generator = Generator(
        context.shop_id,
        context.staff,
        context.products,
        context.ids,
        now=datetime.now(UTC),
        stamp=writer.stamp,
        true=writer.true,
        next_case_number=context.next_case_number,
        seed=SEED + context.ids.next["conversations"],
    )
    counts: dict[str, int] = {}
    with _progress() as progress:
        if not show_progress:
            progress.stop()
        shoppers = max(50, conversations // 3)
        task = progress.add_task("顾客 shoppers", total=shoppers, detail="")
        await _write(writer, generator.shoppers(shoppers), counts)
        progress.update(task, completed=shoppers)
        task = progress.add_task("会话 conversations", total=conversations, detail="")
        since_commit = 0
        for _day, midnight, starts in generator.days(conversations):
            await _write(writer, generator.day(midnight, starts), counts)
            rollups = generator.done_before(midnight - 4 * 86400)
            if rollups:
                await writer.upsert_rollups(rollups)
                counts["report_rollups"] = counts.get("report_rollups", 0) + len(rollups)
            since_commit += len(starts)
            if since_commit >= COMMIT_EVERY:
                await writer.commit()
                since_commit = 0
            detail = f"{counts.get('messages', 0):,} messages, {counts['report_events']:,} facts"
            progress.update(task, advance=len(starts), detail=detail)
        rollups = generator.done_before(2**62)
        if rollups:
            await writer.upsert_rollups(rollups)
            counts["report_rollups"] = counts.get("report_rollups", 0) + len(rollups)
        await writer.finish(context.shop_id, generator.case_number - 1, ORDER)
    return ScaleSummary(counts, time.perf_counter() - started)


def summary_line(summary: ScaleSummary) -> str:
    """What ``kefu demo --scale`` prints when it is done."""
    rows = summary.rows
    parts = ", ".join(
        f"{rows.get(t, 0):,} {t.replace('_', ' ')}" for t in (*ORDER, "report_rollups")
    )
    return f"规模数据已生成 scaled: added {parts} in {summary.seconds:.1f} s"
