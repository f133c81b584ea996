"""``kefu bench cases``: the supervisor's case list, nearest due first (overdue first),
over a shop of 100,000 after-sales cases with their timelines. Target: p95 < 50 ms on
SQLite and on PostgreSQL.

The shop is generated straight into the tables by bulk inserts (no actions: they would
take an hour for 100,000 cases): a year of cases of every type, status and priority,
most of them settled long ago, the open ones with running SLA clocks (some overdue, some
warned, some paused waiting on the shopper), each with a timeline of 2–5 events. On
SQLite the file is built once per N under the user's cache directory and reused; with
``--database-url`` (a PostgreSQL server) a scratch database is created, filled and
dropped, as ``kefu bench chat --processes`` does.

Timed, p95 of ``REQUESTS`` requests of the first page (each in a new session, as a web
request has):

- ours: what ``/cases`` and ``GET /api/v1/cases?sort=due`` read: ``list_cases`` with
  ``CaseSort.DUE`` (the next due instant computed from the SLA states in SQL, keyset
  order by it and id) and each row's countdown (``kefu.web.case_display.countdown``, the
  badge the page shows).
- baseline, in the same run: a plain SELECT of the same rows by primary key (the page's
  ids, ``shop_id`` checked), no SLA logic and no order by due.

``ratio`` = our p95 / baseline p95: what the SLA ordering costs over fetching the rows."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.bench import BenchResult, note
from kefu.db import is_sqlite, make_engine, make_sessionmaker
from kefu.errors import Invalid
from kefu.lib.cases import FINISHED, CasePriority, CaseStatus, CaseType
from kefu.lib.sla import SlaState
from kefu.models import Case, CaseEvent, Shop
from kefu.models.base import utcnow
from kefu.models.cases import CaseSource
from kefu.queries.cases import CaseFilters, CaseSort, list_cases
from kefu.web.case_display import countdown

DEFAULT_CASES = 100_000
QUICK_CASES = 2_000
REQUESTS = 300
QUICK_REQUESTS = 30
WARM_UP = 5
PAGE_SIZE = 25  # the /cases page's (kefu.web.pages.cases.PAGE_SIZE)
TARGET_MS = 50.0
SLUG = "bench-cases"
BATCH = 5_000
HISTORY_DAYS = 365
OPEN_SHARE = 0.12  # of the cases, still being worked
HOUR = timedelta(hours=1)
OPEN_STATUSES = [s for s in CaseStatus if s not in FINISHED]
# Every row of a batch names the same columns: rows with other keys would split the
# bulk insert into many small statements.
OPTIONAL_CASE_COLUMNS = (
    "first_responded_at",
    "first_response_sla",
    "resolve_sla",
    "sla_paused_at",
    "sla_check_at",
    "resolved_at",
    "closed_at",
)
SOURCES = [CaseSource.CONVERSATION, CaseSource.ORDER_LINE, CaseSource.WIDGET, CaseSource.EMAIL]


def cache_dir(cases: int) -> Path:
    """Where the SQLite shop of ``cases`` cases is kept between runs."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "kefu" / "bench-cases" / str(cases)


def _case_rows(shop_id: int, first: int, count: int, total: int, rng: random.Random) -> list:
    """Cases ``first``..``first + count - 1`` (numbers), oldest first over the year."""
    now = utcnow()
    rows = []
    for number in range(first, first + count):
        # The newest cases are the open ones: the last OPEN_SHARE of the numbers.
        open_case = number > total * (1 - OPEN_SHARE)
        age = timedelta(days=HISTORY_DAYS) * (1 - number / (total + 1))
        created = now - age - timedelta(seconds=rng.randrange(3600))
        kind = rng.choice(list(CaseType))
        hours = 48 if kind in (CaseType.RETURN, CaseType.EXCHANGE) else 24
        responded = created + timedelta(minutes=rng.randrange(5, 90))
        row: dict[str, Any] = dict.fromkeys(OPTIONAL_CASE_COLUMNS) | {
            "shop_id": shop_id,
            "number": number,
            "type": kind,
            "priority": rng.choices(list(CasePriority), (2, 6, 2, 1))[0],
            "source": rng.choice(SOURCES),
            "title": f"售后工单 #{number}",
            "created_at": created,
            "updated_at": created,
            "first_response_warn_at": created + 0.8 * HOUR,
            "first_response_due_at": created + HOUR,
            "resolve_warn_at": created + 0.8 * hours * HOUR,
            "resolve_due_at": created + hours * HOUR,
        }
        if open_case:
            answered = rng.random() < 0.7 and responded < now
            row["status"] = rng.choice(OPEN_STATUSES) if answered else CaseStatus.NEW
            row["first_responded_at"] = responded if answered else None
            row["first_response_sla"] = (
                (SlaState.MET if responded <= row["first_response_due_at"] else SlaState.BREACHED)
                if answered
                else _running(row["first_response_warn_at"], row["first_response_due_at"], now)
            )
            row["resolve_sla"] = _running(row["resolve_warn_at"], row["resolve_due_at"], now)
            if row["status"] is CaseStatus.WAITING_CUSTOMER:
                row["sla_paused_at"] = max(responded, now - timedelta(hours=rng.randrange(1, 9)))
            row["sla_check_at"] = None if row.get("sla_paused_at") else row["resolve_due_at"]
        else:
            resolved = created + timedelta(hours=rng.uniform(1, hours * 1.3))
            row["status"] = rng.choice((CaseStatus.RESOLVED, CaseStatus.CLOSED))
            row["first_responded_at"] = responded
            row["first_response_sla"] = (
                SlaState.MET if responded <= row["first_response_due_at"] else SlaState.BREACHED
            )
            row["resolve_sla"] = (
                SlaState.MET if resolved <= row["resolve_due_at"] else SlaState.BREACHED
            )
            row["resolved_at"] = resolved
            if row["status"] is CaseStatus.CLOSED:
                row["closed_at"] = resolved + timedelta(days=3)
        rows.append(row)
    return rows


def _running(warn_at: Any, due_at: Any, now: Any) -> SlaState:
    """The state the SLA worker would have left a running target in by ``now``."""
    if now >= due_at:
        return SlaState.BREACHED
    return SlaState.WARNED if now >= warn_at else SlaState.PENDING


def _event_rows(shop_id: int, cases: list[tuple[int, Any, Any]], rng: random.Random) -> list:
    """2–5 timeline lines per case: created, accepted, a comment or two, resolved."""
    rows = []
    for case_id, created, status in cases:
        base = {"shop_id": shop_id, "case_id": case_id, "actor_kind": "agent", "data": {}}
        created_line = {"from_status": None, "to_status": None, "body": None}
        rows.append(base | created_line | {"at": created, "actor_label": "系统", "kind": "created"})
        steps = [("status_changed", CaseStatus.NEW, CaseStatus.ACCEPTED, None)]
        for _ in range(rng.randrange(0, 3)):
            steps.append(("commented", None, None, "已联系仓库核实"))
        if status in FINISHED:
            steps.append(("status_changed", CaseStatus.ACCEPTED, CaseStatus.RESOLVED, None))
        for n, (kind, before, after, body) in enumerate(steps, start=1):
            rows.append(
                base
                | {
                    "at": created + n * HOUR,
                    "actor_label": "小美",
                    "kind": kind,
                    "from_status": before,
                    "to_status": after,
                    "body": body,
                }
            )
    return rows


async def fill(url: str, total: int) -> int:
    """Create the bench shop with ``total`` cases and their timelines; its id."""
    rng = random.Random(20261203)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            shop = Shop(slug=SLUG, name="工单压测店", widget_secret="bench", last_case_number=total)
            session.add(shop)
            await session.flush()
            shop_id = shop.id
            events = 0
            for first in range(1, total + 1, BATCH):
                rows = _case_rows(shop_id, first, min(BATCH, total - first + 1), total, rng)
                await session.execute(insert(Case.__table__), rows)
                made = await session.execute(
                    select(Case.id, Case.created_at, Case.status).where(
                        Case.shop_id == shop_id, Case.number >= first, Case.number < first + BATCH
                    )
                )
                timeline = _event_rows(shop_id, [tuple(row) for row in made], rng)
                await session.execute(insert(CaseEvent.__table__), timeline)
                events += len(timeline)
            await session.commit()
            note(f"  {total:,} cases, {events:,} timeline events")
            return shop_id
    finally:
        await engine.dispose()


async def _shop(url: str) -> tuple[int | None, int]:
    """The bench shop's id (None without one) and how many cases it holds."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            shop_id = await session.scalar(select(Shop.id).where(Shop.slug == SLUG))
            if shop_id is None:
                return None, 0
            held = await session.scalar(select(func.count()).where(Case.shop_id == shop_id))
            return shop_id, held or 0
    finally:
        await engine.dispose()


async def settle(url: str) -> None:
    """Gather the planner's statistics (and, on PostgreSQL, the visibility map index-only
    scans need), as autovacuum would have on a shop that grew over a year."""
    statement = "ANALYZE" if is_sqlite(url) else "VACUUM ANALYZE cases, case_events"
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def _build(url: str, total: int) -> float:
    from kefu.schema import upgrade

    started = time.perf_counter()
    upgrade(url)
    asyncio.run(fill(url, total))
    asyncio.run(settle(url))
    seconds = time.perf_counter() - started
    note(f"  built in {seconds:.1f} s")
    return seconds


def prepare_sqlite(total: int) -> tuple[str, float | None]:
    """The SQLite shop of ``total`` cases (built when not cached); the build's seconds."""
    from kefu.schema import upgrade

    directory = cache_dir(total)
    url = f"sqlite+aiosqlite:///{directory / 'kefu.db'}"
    if (directory / "complete").exists():
        note(f"reusing the shop of {total:,} cases in {directory}")
        upgrade(url)  # a shop cached by an older version gets the newer indexes
        asyncio.run(settle(url))
        return url, None
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    note(f"building a shop of {total:,} cases in {directory} …")
    seconds = _build(url, total)
    (directory / "complete").write_text(f"{total}\n")
    return url, seconds


async def overdue_first(session: AsyncSession, actor: Actor) -> list[int]:
    """The first page of the list nearest due first, with each row's SLA countdown."""
    page = await list_cases(session, actor, CaseFilters(), limit=PAGE_SIZE, sort=CaseSort.DUE)
    now = utcnow()
    for case in page.items:
        countdown(case, now)
    return [case.id for case in page.items]


async def plain(session: AsyncSession, actor: Actor, ids: list[int]) -> list[int]:
    """The same rows by primary key, no SLA logic."""
    rows = await session.scalars(
        select(Case).where(Case.shop_id == actor.shop_id, Case.id.in_(ids)).order_by(Case.id)
    )
    return [case.id for case in rows]


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


async def measure(url: str, shop_id: int, requests: int) -> dict[str, Any]:
    """p95 and median milliseconds of both sides, interleaved request by request so that
    whatever else the machine does weighs on both alike."""
    actor = Actor.system(shop_id, "kefu bench cases")
    engine = make_engine(url)
    ours_ms: list[float] = []
    plain_ms: list[float] = []
    sessions = make_sessionmaker(engine)
    try:
        ids: list[int] = []
        for attempt in range(WARM_UP + requests):
            async with sessions() as session:
                started = time.perf_counter()
                ids = await overdue_first(session, actor)
                ours = (time.perf_counter() - started) * 1000
            async with sessions() as session:
                started = time.perf_counter()
                same = await plain(session, actor, ids)
                baseline = (time.perf_counter() - started) * 1000
            if sorted(ids) != same:
                raise AssertionError("the plain SELECT found other rows than the list")
            if attempt >= WARM_UP:
                ours_ms.append(ours)
                plain_ms.append(baseline)
    finally:
        await engine.dispose()
    return {
        "p95": p95(ours_ms),
        "median": statistics.median(ours_ms),
        "baseline_p95": p95(plain_ms),
        "baseline_median": statistics.median(plain_ms),
        "page": ids,
    }


def run(quick: bool, cases: int | None = None, database_url: str | None = None) -> BenchResult:
    total = cases or (QUICK_CASES if quick else DEFAULT_CASES)
    if total < PAGE_SIZE:
        raise Invalid(f"--cases takes at least {PAGE_SIZE}", field="cases")
    requests = QUICK_REQUESTS if quick else REQUESTS
    if database_url is None:
        url, build_seconds = prepare_sqlite(total)
        return _result(url, total, requests, build_seconds)
    from kefu.bench.chatscale import scratch_database

    with scratch_database(database_url, prefix="kefu_bench_cases", why="kefu bench cases") as url:
        note(f"building a shop of {total:,} cases in a scratch database …")
        build_seconds = _build(url, total)
        return _result(url, total, requests, build_seconds)


def _result(url: str, total: int, requests: int, build_seconds: float | None) -> BenchResult:
    shop_id, held = asyncio.run(_shop(url))
    assert shop_id is not None
    note(f"the case list, nearest due first: {requests} requests of {PAGE_SIZE} rows of {held:,}")
    figures = asyncio.run(measure(url, shop_id, requests))
    database = "sqlite" if is_sqlite(url) else "postgresql"
    note(
        f"  {database}: p95 {figures['p95']:.1f} ms (median {figures['median']:.1f}); "
        f"plain SELECT p95 {figures['baseline_p95']:.1f} ms"
    )
    return BenchResult(
        bench="cases",
        metric="overdue_first_p95_ms",
        value=round(figures["p95"], 2),
        unit="ms",
        baseline="plain SELECT of the same page of rows by primary key, no SLA logic (p95 of "
        "the same requests); baseline_value in ms; ratio = list p95 / baseline p95 "
        "(lower is better)",
        baseline_value=round(figures["baseline_p95"], 2),
        ratio=round(figures["p95"] / figures["baseline_p95"], 1),
        extra={
            "cases": held,
            "database": database,
            "requests": requests,
            "page_size": PAGE_SIZE,
            "median_ms": round(figures["median"], 2),
            "baseline_median_ms": round(figures["baseline_median"], 2),
            "target_met": figures["p95"] < TARGET_MS,
            "build_seconds": None if build_seconds is None else round(build_seconds, 1),
        },
    )
