"""``kefu bench import``: the UCI Online Retail file (541,909 lines) imported as orders into
a fresh SQLite database through the real import (read, check, write, commit).

Baseline, measured in the same run: a bare ``sqlite3`` ``executemany`` of exactly the rows
the import stored (customers, orders, order lines) into a second fresh database with the
same migrations (same tables, same indexes) and the same connection pragmas.
Targets: at least 100,000 lines/s, and ours_seconds / baseline_seconds at most 3."""

from __future__ import annotations

import asyncio
import gzip
import os
import sqlite3
import tempfile
from itertools import islice
from pathlib import Path

from kefu.bench import BenchResult, Stopwatch, note
from kefu.errors import NotFound

QUICK_LINES = 50_000
TABLES = ("customers", "orders", "order_lines")
MAPPING = [
    "external_id=InvoiceNo",
    "sku=StockCode",
    "title=Description",
    "quantity=Quantity",
    "placed_at=InvoiceDate",
    "unit_price=UnitPrice",
    "customer_external_id=CustomerID",
]


def dataset() -> Path:
    """The Online Retail file: ``KEFU_SHARED_DIR`` or ../shared beside the checkout."""
    shared = os.environ.get("KEFU_SHARED_DIR")
    candidates = [Path(shared)] if shared else []
    here = Path(__file__).resolve()
    candidates += [parent / "shared" for parent in here.parents[2:5]]
    for base in candidates:
        path = base / "datasets" / "uci_online_retail" / "online_retail.csv.gz"
        if path.is_file():
            return path
    raise NotFound("the Online Retail data set (set KEFU_SHARED_DIR to the shared directory)")


class StderrReporter:
    def stage(self, description: str, total: int | None) -> None:
        note(f"  {description}" + (f" ({total:,} lines)" if total else ""))

    def advance(self, amount: int) -> None:
        pass


def _first_lines(source: Path, target: Path, lines: int) -> None:
    with (
        gzip.open(source, "rt", encoding="utf-8") as src,
        gzip.open(target, "wt", encoding="utf-8", compresslevel=1) as out,
    ):
        out.writelines(islice(src, lines + 1))


async def _import(url: str, path: Path) -> tuple[int, float]:
    """Lines read and seconds taken by the import itself (the shop exists beforehand)."""
    from kefu.actions.setup import do_create_shop
    from kefu.db import make_engine, make_sessionmaker
    from kefu.importing.service import ImportRequest, run_import

    engine = make_engine(url)
    try:
        maker = make_sessionmaker(engine)
        async with maker() as session:
            await do_create_shop(
                session, "bench", "Online Retail", timezone="Europe/London", currency="GBP"
            )
            await session.commit()
        request = ImportRequest("orders", path, "bench", MAPPING)
        with Stopwatch() as watch:
            result, _problems = await run_import(maker, request, StderrReporter())
        return result.lines_read, watch.seconds
    finally:
        await engine.dispose()


def _pragmas(conn: sqlite3.Connection) -> None:
    """The pragmas ``kefu.db`` sets on every connection, so both sides work alike."""
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")


def _baseline(ours: Path, fresh: Path) -> float:
    """Seconds for a bare executemany of the rows our import stored, into ``fresh``."""
    source = sqlite3.connect(ours)
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}
    columns = {
        table: [d[0] for d in source.execute(f"SELECT * FROM {table} LIMIT 0").description]
        for table in TABLES
    }
    shops = source.execute("SELECT * FROM shops").fetchall()
    source.close()
    target = sqlite3.connect(fresh)
    _pragmas(target)
    target.executemany(f"INSERT INTO shops VALUES ({','.join('?' * len(shops[0]))})", shops)
    target.commit()
    with Stopwatch() as watch:
        for table in TABLES:
            marks = ",".join("?" * len(columns[table]))
            target.executemany(
                f"INSERT INTO {table} ({','.join(columns[table])}) VALUES ({marks})", rows[table]
            )
        target.commit()
    target.close()
    return watch.seconds


def run(quick: bool) -> BenchResult:
    from kefu.schema import upgrade

    source = dataset()
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        work = Path(tmp)
        if quick:
            note(f"taking the first {QUICK_LINES:,} lines of {source.name}")
            path = work / "online_retail_quick.csv.gz"
            _first_lines(source, path, QUICK_LINES)
        else:
            path = source
        for name in ("ours.db", "baseline.db"):
            upgrade(f"sqlite+aiosqlite:///{work / name}")
        note("importing through `kefu import orders` …")
        lines, seconds = asyncio.run(_import(f"sqlite+aiosqlite:///{work / 'ours.db'}", path))
        note(f"  {lines:,} lines in {seconds:.2f} s")
        note("baseline: bare sqlite3 executemany of the same rows …")
        baseline_seconds = _baseline(work / "ours.db", work / "baseline.db")
        note(f"  {baseline_seconds:.2f} s")
    return BenchResult(
        bench="import",
        metric="lines_per_second",
        value=round(lines / seconds),
        unit="lines/s",
        baseline="bare sqlite3 executemany of the same rows into the same schema; "
        "baseline_value in lines/s; ratio = ours_seconds / baseline_seconds",
        baseline_value=round(lines / baseline_seconds),
        ratio=round(seconds / baseline_seconds, 3),
    )
