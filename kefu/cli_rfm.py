"""``kefu rfm FILE [--as-of YYYY-MM-DD] [--map ours=theirs …]``: RFM scores and segments
per customer from an order-lines file, as CSV on stdout. Thin: reading and checking live
in ``kefu.crm.rfm_file``, the computation in ``kefu.crm.rfm``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from kefu.cli_data import fail
from kefu.errors import DomainError


def _file_and_mappings(args: list[str], map_options: list[str]) -> tuple[Path, list[str]]:
    """FILE and the ``ours=theirs`` pairs: ``--map a=b c=d`` leaves ``c=d`` among the
    arguments, so an argument naming one of our columns before ``=`` is a pair."""
    from kefu.crm.rfm_file import FIELDS

    pairs = [pair for option in map_options for pair in option.split()]
    files = []
    for arg in args:
        if arg.partition("=")[0].strip() in FIELDS and not Path(arg).exists():
            pairs.append(arg)
        else:
            files.append(arg)
    if len(files) != 1:
        fail(f"give exactly one FILE, got {len(files)}: {' '.join(files) or '(none)'}")
    return Path(files[0]), pairs


def rfm_command(
    args: list[str] = typer.Argument(
        ...,
        metavar="FILE",
        help="CSV or gzipped CSV of order lines (further ours=theirs pairs of --map land here).",
    ),
    as_of: str = typer.Option(
        None,
        "--as-of",
        metavar="YYYY-MM-DD",
        help="Day recency is counted from (default: the day after the last order).",
    ),
    map_: list[str] = typer.Option(
        [],
        "--map",
        metavar="ours=theirs",
        help="ours=theirs: read our column from yours (e.g. customer_id=CustomerID). "
        "Several pairs may follow one --map.",
    ),
) -> None:
    """RFM per customer: recency, frequency, monetary, scores 1–5 and segment, as CSV."""
    from kefu.crm.rfm import default_as_of, rfm_table, to_csv
    from kefu.crm.rfm_file import parse_as_of, parse_mapping, read_order_lines

    path, pairs = _file_and_mappings(args, map_)
    try:
        day = parse_as_of(as_of) if as_of is not None else None
        found = read_order_lines(path, parse_mapping(pairs))
    except DomainError as exc:
        fail(exc.message)
    day = day or default_as_of(found.lines)
    table = rfm_table(found.lines, scale=found.scale, as_of=day)
    sys.stdout.buffer.write(to_csv(table).encode("utf-8"))  # UTF-8 whatever the locale
    sys.stdout.flush()
    typer.echo(
        f"{found.read} lines read, {found.skipped} skipped: {found.no_customer} with an empty "
        f"customer_id, {found.not_positive} with an amount of 0 or less",
        err=True,
    )
    if day is not None:
        typer.echo(f"{table.height} customers as of {day.isoformat()}", err=True)
    later = table.filter(table["recency_days"] < 0).height
    if later:
        typer.echo(
            f"note: {later} customers ordered after the as-of date (negative recency_days)",
            err=True,
        )
