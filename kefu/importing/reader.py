"""Files to tables of text: CSV (.csv, .csv.gz) through polars, XLSX through openpyxl.

Every cell is read as text (or None when empty) so that checking and conversion happen
in one place with one set of error messages, whatever the file type. Column ``_line``
holds the row's line in the file, counting the header as line 1."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from kefu.errors import Invalid

LINE = "_line"
SUFFIXES = (".csv", ".csv.gz", ".xlsx")


class FileProblem(Invalid):
    """The file as a whole cannot be imported (unreadable, wrong columns …)."""


def parse_mapping(pairs: Sequence[str], known: Sequence[str]) -> dict[str, str]:
    """``["sku=StockCode", …]`` → ``{"sku": "StockCode"}``; our names must be ``known``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise FileProblem(f"--map wants ours=theirs, got {pair!r}", field="map")
        if ours not in known:
            raise FileProblem(
                f"--map names unknown field {ours!r}; known fields: {', '.join(known)}",
                field="map",
            )
        mapping[ours] = theirs
    return mapping


def read_table(path: Path, mapping: Mapping[str, str], known: Sequence[str]) -> pl.DataFrame:
    """The file's rows as text columns named by our field names (``known``), plus ``_line``.

    Columns the mapping does not name keep their header, so a file already using our
    names needs no ``--map``; columns that are neither ours nor mapped are dropped."""
    name = path.name.lower()
    if not path.is_file():
        raise FileProblem(f"file {str(path)!r} does not exist", field="file")
    if name.endswith(".xlsx"):
        table = _read_xlsx(path)
    elif name.endswith((".csv", ".csv.gz")):
        table = _read_csv(path)
    else:
        raise FileProblem(
            f"cannot read {path.name!r}: use one of {', '.join(SUFFIXES)}", field="file"
        )
    missing = [theirs for theirs in mapping.values() if theirs not in table.columns]
    if missing:
        raise FileProblem(
            f"column {missing[0]!r} given in --map is not in the file "
            f"(its columns: {', '.join(table.columns)})",
            field="map",
        )
    columns = [pl.col(theirs).alias(ours) for ours, theirs in mapping.items()]
    columns += [
        pl.col(name)
        for name in table.columns
        if name in known and name not in mapping and name not in mapping.values()
    ]
    return table.select(columns).with_row_index(LINE, offset=2)


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileProblem(f"cannot read {path.name!r}: {exc}", field="file") from exc
    try:
        return pl.read_csv(
            _utf8(data, path.name), infer_schema=False, null_values=[""]
        ).with_columns(pl.all().str.strip_chars())
    except pl.exceptions.PolarsError as exc:
        raise FileProblem(f"{path.name!r} is not a readable CSV file: {exc}", field="file") from exc


def _utf8(data: bytes, name: str) -> bytes:
    """The file as UTF-8. Excel in China saves CSV as GBK, read here as GB18030 (its
    superset); anything else is refused rather than imported as garbled text."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem(
            f"{name!r} is neither UTF-8 nor GBK text; save it as CSV UTF-8", field="file"
        ) from None


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        message = f"{path.name!r} is not a readable XLSX file: {exc}"
        raise FileProblem(message, field="file") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        columns: list[list[str | None]] = [[] for _ in header]
        for row in rows:
            if all(v is None for v in row):
                continue
            for i, column in enumerate(columns):
                column.append(_cell_text(row[i]) if i < len(row) else None)
    finally:
        book.close()
    if not header:
        raise FileProblem(f"{path.name!r} has no header row", field="file")
    return pl.DataFrame(
        {name: values for name, values in zip(header, columns, strict=True) if name},
        schema=dict.fromkeys((n for n in header if n), pl.String),
    )


def _cell_text(value: Any) -> str | None:
    """An XLSX cell as the text a CSV would hold (17850.0 → "17850", dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value).strip()
    return text or None
