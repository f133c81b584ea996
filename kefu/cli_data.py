"""``kefu import``, ``kefu export`` and ``kefu bench``: shop data in and out of files.

Thin: parses arguments, shows progress on stderr, calls ``kefu.importing.service`` and
the export query, and turns every refusal into one readable line and a non-zero exit."""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import typer

from kefu.errors import DomainError

SHOWN_PROBLEMS = 20


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


class BarReporter:
    """A rich progress bar on stderr, one task per stage."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task: int | None = None

    def stage(self, description: str, total: int | None) -> None:
        if self.task is not None:
            done = self.progress.tasks[-1]
            self.progress.update(self.task, total=done.total or 1, completed=done.total or 1)
        self.task = self.progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


@contextmanager
def _database() -> Iterator[object]:
    """An async sessionmaker on the configured, migrated database."""
    from kefu.db import make_engine, make_sessionmaker
    from kefu.schema import upgrade
    from kefu.settings import Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        asyncio.run(engine.dispose())


def _mapping_args(map_options: list[str], extra: list[str]) -> list[str]:
    """``--map a=b c=d`` and ``--map a=b --map c=d`` both work; so does ``--map "a=b c=d"``."""
    pairs = [pair for option in map_options for pair in option.split()]
    for arg in extra:
        if "=" not in arg:
            fail(f"unexpected argument {arg!r}; mappings look like ours=theirs")
        pairs.append(arg)
    return pairs


def import_command(
    kind: str = typer.Argument(..., help="products, customers, orders or shipments."),
    file: Path = typer.Argument(..., help="A .csv, .csv.gz or .xlsx file with a header row."),
    more_mappings: list[str] = typer.Argument(
        None, metavar="[ours=theirs]...", help="More --map pairs.", show_default=False
    ),
    shop: str = typer.Option(..., help="Slug of the shop to import into."),
    map_: list[str] = typer.Option(
        [],
        "--map",
        help="ours=theirs: read our field from your column (e.g. external_id=InvoiceNo). "
        "Several pairs may follow one --map.",
    ),
    errors: Path = typer.Option(None, help="Also write every skipped line to this CSV file."),
    timezone: str = typer.Option(
        None, help="Time zone of times without an offset (default: the shop's)."
    ),
    cancel_prefix: str = typer.Option(
        "C",
        help="Orders files without a status column: order numbers starting with this are "
        "cancellations ('' turns it off).",
    ),
) -> None:
    """Import shop data from a file, all or nothing; re-importing the same file changes nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from kefu.importing.service import ImportRequest, run_import

    request = ImportRequest(
        kind, file, shop, _mapping_args(map_, more_mappings or []), timezone, cancel_prefix
    )
    reporter = BarReporter()
    with _database() as maker:
        try:
            with reporter.progress:
                result, problems = asyncio.run(run_import(maker, request, reporter))  # type: ignore[arg-type]
        except DomainError as exc:
            fail(f"nothing was imported: {exc.message}")
        except SQLAlchemyError as exc:  # e.g. another import wrote the same orders meanwhile
            fail(f"nothing was imported: the database refused the write ({exc.__class__.__name__})")
    typer.echo(
        f"{file.name}: {result.lines_imported:,} of {result.lines_read:,} lines imported; "
        f"{kind}: {result.created:,} created, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged"
        + (f"; {result.customers_created:,} new customers" if result.customers_created else "")
    )
    _report_problems(problems, result.skipped, errors)


def _report_problems(problems: pl.DataFrame, skipped: dict[str, int], errors: Path | None) -> None:
    if problems.is_empty():
        return
    typer.echo(f"skipped {problems.height:,} lines:")
    for reason, count in skipped.items():
        typer.echo(f"  {count:>8,}  {reason}")
    for line, field, reason in problems.head(SHOWN_PROBLEMS).iter_rows():
        typer.echo(f"  line {line}: {field}: {reason}")
    if errors is not None:
        with errors.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "field", "reason"])
            writer.writerows(problems.iter_rows())
        typer.echo(f"every skipped line is listed in {errors}")
    elif problems.height > SHOWN_PROBLEMS:
        typer.echo(f"  … and {problems.height - SHOWN_PROBLEMS:,} more; use --errors FILE for all")


def export_command(
    kind: str = typer.Argument(..., help="orders, customers or products."),
    shop: str = typer.Option(..., help="Slug of the shop to export."),
    format_: str = typer.Option("csv", "--format", help="csv or xlsx."),
    output: Path = typer.Option(
        None, "-o", "--output", help="File to write (default: CSV on standard output)."
    ),
) -> None:
    """Export shop data in the columns `kefu import` reads, so the file imports back."""
    from kefu.queries.exports import EXPORT_KINDS

    if kind not in EXPORT_KINDS:
        fail(f"cannot export {kind!r}: use one of {', '.join(EXPORT_KINDS)}")
    if format_ not in ("csv", "xlsx"):
        fail(f"unknown format {format_!r}: use csv or xlsx")
    if format_ == "xlsx" and output is None:
        fail("an xlsx export needs -o FILE")
    with _database() as maker:
        try:
            table = asyncio.run(_export(maker, shop, kind))
        except DomainError as exc:
            fail(exc.message)
    if format_ == "xlsx":
        _write_xlsx(table, output)
    elif output is None:
        sys.stdout.write(table.write_csv())
    else:
        table.write_csv(output)
    if output is not None:
        typer.echo(f"wrote {table.height:,} rows to {output}", err=True)


async def _export(maker, shop: str, kind: str) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    from kefu.access import Actor
    from kefu.importing.service import shop_by_slug
    from kefu.queries.exports import export_table

    async with maker() as session:
        found = await shop_by_slug(session, shop)
        return await export_table(session, Actor.system(found.id, "kefu export"), kind)


def _write_xlsx(table: pl.DataFrame, output: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(table.columns)
    for row in table.iter_rows():
        sheet.append(list(row))
    book.save(output)


def bench_command(
    name: str = typer.Argument(..., help="Benchmark to run, e.g. import."),
    quick: bool = typer.Option(False, help="A smaller run for CI and tests."),
    conversations: int = typer.Option(
        None, help="reports: conversations in the shop (default 1000000; 2000 with --quick)."
    ),
    database_url: str = typer.Option(
        None,
        help="reports: the database to build or reuse (default: a SQLite file cached per N); "
        "chat --processes: the PostgreSQL server to make a scratch database on "
        "(default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres); "
        "cases: the PostgreSQL server to make a scratch database on (default: SQLite, "
        "a file cached per N).",
    ),
    cases: int = typer.Option(
        None, help="cases: cases in the shop (default 100000; 2000 with --quick)."
    ),
    processes: int = typer.Option(
        None,
        help="chat: server processes (default 1, on SQLite); 2 or more run on PostgreSQL "
        "and Redis, with one process as the baseline.",
    ),
    redis_url: str = typer.Option(
        None, help="chat --processes: Redis for fan-out (default redis://127.0.0.1:6379/0)."
    ),
) -> None:
    """Run a benchmark; the last line of output is one JSON object with the result."""
    from kefu.bench import BENCHMARKS, OPTIONS, run_benchmark

    if name not in BENCHMARKS:
        fail(f"unknown benchmark {name!r}; known: {', '.join(sorted(BENCHMARKS))}")
    options = {
        "conversations": conversations,
        "database_url": database_url,
        "processes": processes,
        "redis_url": redis_url,
        "cases": cases,
    }
    given = {key: value for key, value in options.items() if value is not None}
    if unknown := set(given) - OPTIONS.get(name, frozenset()):
        fail(f"the {name} benchmark takes no --{min(unknown).replace('_', '-')}")
    if conversations is not None and conversations < 1:
        fail("--conversations takes at least 1")
    if cases is not None and cases < 1:
        fail("--cases takes at least 1")
    if processes is not None and processes < 1:
        fail("--processes takes at least 1")
    try:
        result = run_benchmark(name, quick=quick, **given)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(result.to_json())
