"""Order lines for RFM from a CSV file (plain or gzipped), as ``kefu rfm`` reads them.

Columns are found by our names (``FIELDS``) or through ``--map ours=theirs``. A line
without a customer_id is skipped unread; every other line must have an order_id, a date
and numbers, or the whole file is refused with the line and column named (a wrong
``--map`` shows up at once instead of as quietly wrong figures). Lines whose amount is 0
or less (returns, cancellations, free items) are then skipped and counted. Dates and
numbers are parsed once per distinct text, which keeps large exports fast."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NoReturn, TypeVar

import polars as pl
from isal import igzip

from kefu.errors import Invalid
from kefu.lib.dates import DATE_FORMS, order_dates
from kefu.lib.money import parse_decimal

FIELDS = ("customer_id", "order_id", "ordered_at", "amount", "quantity", "unit_price")
LINE = "_line"  # the line in the file, counting the header as line 1
MAX_DECIMALS = 12
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
T = TypeVar("T")


class BadFile(Invalid):
    """The file cannot be read as order lines; the message names the column or line."""


@dataclass(frozen=True, slots=True)
class OrderLines:
    lines: pl.DataFrame  # kefu.crm.rfm.LINE_SCHEMA, every amount above 0
    scale: int  # amounts are in units of 10**-scale
    read: int
    no_customer: int
    not_positive: int

    @property
    def skipped(self) -> int:
        return self.no_customer + self.not_positive


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``["customer_id=CustomerID", …]`` → ``{"customer_id": "CustomerID"}``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        ours, sep, theirs = (part.strip() for part in pair.partition("="))
        if not sep or not ours or not theirs:
            raise BadFile(f"--map wants ours=theirs, got {pair!r}", field="map")
        if ours not in FIELDS:
            raise BadFile(
                f"--map names unknown column {ours!r}; ours are {', '.join(FIELDS)}", field="map"
            )
        mapping[ours] = theirs
    return mapping


def read_order_lines(path: Path, mapping: Mapping[str, str]) -> OrderLines:
    """The file's order lines, checked, with amounts exact (see the module docstring)."""
    data = _csv_bytes(path)
    columns = _columns(data, mapping, path.name)
    table = _read(data, columns, path.name)
    named = {ours: _label(ours, theirs) for ours, theirs in columns.items()}
    customer = pl.col("customer_id").str.strip_chars()
    with_customer = table.filter(customer.is_not_null() & (customer != ""))
    checked = _with_order_ids(with_customer, named["order_id"])
    checked = checked.with_columns(order_date=_dates(checked, named["ordered_at"]))
    amount, scale = _amounts(checked, named)
    checked = checked.with_columns(amount=amount)
    positive = checked.filter(pl.col("amount") > 0)
    return OrderLines(
        lines=positive.select(
            customer=customer, order_id="order_id", order_date="order_date", amount="amount"
        ).rename({"customer": "customer_id"}),
        scale=scale,
        read=table.height,
        no_customer=table.height - with_customer.height,
        not_positive=with_customer.height - positive.height,
    )


def _label(ours: str, theirs: str) -> str:
    """How messages name a column: ``InvoiceDate (ordered_at)`` when mapped."""
    return ours if ours == theirs else f"{theirs} ({ours})"


def _csv_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip signature, as UTF-8 (a
    header that is not UTF-8 means the whole file is in another encoding)."""
    try:
        data = path.read_bytes()
        data = igzip.decompress(data) if data.startswith(GZIP_MAGIC) else data
    except FileNotFoundError:
        raise BadFile(f"{str(path)!r} does not exist", field="file") from None
    except (OSError, EOFError) as exc:
        raise BadFile(f"cannot read {path.name!r}: {exc}", field="file") from None
    if data.startswith(ZIP_MAGIC):
        raise BadFile(f"{path.name!r} is a ZIP or XLSX file; save it as CSV", field="file")
    try:
        data[: data.find(b"\n")].decode("utf-8")
    except UnicodeDecodeError:
        return _transcoded(data)
    return data


def _header(data: bytes, name: str) -> list[str]:
    try:
        return pl.read_csv(data, n_rows=0, infer_schema=False).columns
    except pl.exceptions.PolarsError as exc:
        raise BadFile(_csv_problem(data, name, exc), field="file") from None


def _columns(data: bytes, mapping: Mapping[str, str], name: str) -> dict[str, str]:
    """Our field → the file's column, for the fields this file provides."""
    header = _header(data, name)
    stripped = {column.strip(): column for column in header}
    for ours, theirs in mapping.items():
        if theirs.strip() not in stripped:
            raise BadFile(
                f"column {theirs!r} given in --map for {ours} is not in {name!r} "
                f"(its columns: {', '.join(header)})",
                field=ours,
            )
    found = {f: mapping.get(f, f).strip() for f in FIELDS if mapping.get(f, f).strip() in stripped}
    money = ("amount",) if "amount" in found else ("quantity", "unit_price")
    for field in ("customer_id", "order_id", "ordered_at", *money):
        if field not in found:
            wanted = "amount (or quantity and unit_price)" if field in money else field
            raise BadFile(
                f"{name!r} has no column {wanted}; its columns: {', '.join(header)} "
                "(use --map ours=theirs to name yours)",
                field=field,
            )
    needed = ("customer_id", "order_id", "ordered_at", *money)
    return {field: stripped[found[field]] for field in needed}


def _read(data: bytes, columns: Mapping[str, str], name: str) -> pl.DataFrame:
    """The needed columns as text, named by our fields, with ``LINE`` (transcoded when
    the lines below a UTF-8 header are not UTF-8)."""
    wanted = list(dict.fromkeys(columns.values()))
    try:
        try:
            table = pl.read_csv(data, columns=wanted, infer_schema=False)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower():
                raise
            data = _transcoded(data)
            table = pl.read_csv(data, columns=wanted, infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise BadFile(_csv_problem(data, name, exc), field="file") from None
    return table.select(
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias(LINE),
        *(pl.col(theirs).alias(ours) for ours, theirs in columns.items()),
    )


def _csv_problem(data: bytes, name: str, exc: Exception) -> str:
    """Where a file polars cannot parse goes wrong, found again with the csv module: a
    line with more fields than the header, or a quote never closed."""
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline=""), strict=True)
    start = 1
    try:
        header = next(reader, [])
        start = reader.line_num + 1
        for row in reader:
            if len(row) > len(header):
                return f"line {start}: {len(row)} fields where the header has {len(header)}"
            start = reader.line_num + 1
    except csv.Error as error:
        return f"line {start}: not valid CSV ({error})"
    first = str(exc).strip().splitlines()[0]
    return f"{name!r} is not a readable CSV file: {first}"


def _transcoded(data: bytes) -> bytes:
    """Text that is not UTF-8 as UTF-8: GB18030 (what Excel in China writes, a superset of
    GBK) when it decodes as that, else Latin-1 (older Western exports)."""
    try:
        return data.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8")


def _with_order_ids(table: pl.DataFrame, label: str) -> pl.DataFrame:
    order = pl.col("order_id").str.strip_chars()
    checked = table.with_columns(order_id=order)
    if checked["order_id"].is_null().any() or (checked["order_id"] == "").any():
        _refuse_first(checked, "order_id", label, {"": "is empty"})
    return checked


def _refuse_first(
    table: pl.DataFrame, field: str, label: str, reasons: Mapping[str | None, str]
) -> NoReturn:
    """Refuse the file at the first line whose ``field`` is one of the texts in ``reasons``
    (None: an empty cell), so the line named never depends on hashing order."""
    bad = pl.col(field).is_in([text for text in reasons if text is not None])
    first = table.filter(bad | pl.col(field).is_null()).sort(LINE).row(0, named=True)
    text = first[field]
    if text is None or not text.strip():
        raise BadFile(f"line {first[LINE]}: {label} is empty", field=field)
    raise BadFile(f"line {first[LINE]}: {label}: {reasons[text]}", field=field)


def _distinct_parsed(
    table: pl.DataFrame, field: str, label: str, parse: Callable[[str], T]
) -> tuple[pl.Series, list[T]]:
    """The distinct texts of ``field`` and ``parse`` of each; the first line whose text is
    empty or does not parse is named in the refusal."""
    texts = table[field].unique()
    values: list[T] = []
    reasons: dict[str | None, str] = {}
    for text in texts:
        if text is None:  # an empty cell
            reasons[None] = "is empty"
            continue
        try:
            values.append(parse(text))
        except ValueError as exc:
            reasons[text] = str(exc)
    if reasons:
        _refuse_first(table, field, label, reasons)
    return texts, values


def _dates(table: pl.DataFrame, label: str) -> pl.Series:
    """The column's calendar dates (``kefu.lib.dates``), parsed once per distinct text."""
    texts = table["ordered_at"].unique()
    days = order_dates(texts)
    if days.null_count():
        reasons = {
            text: f"{text!r} is not a date (use {DATE_FORMS})"
            for text in texts.filter(days.is_null())
        }
        _refuse_first(table, "ordered_at", label, reasons)
    # ``.cast``: replace_strict leaves an empty column as text
    return table["ordered_at"].replace_strict(texts, days).cast(pl.Date)


def _amounts(table: pl.DataFrame, named: Mapping[str, str]) -> tuple[pl.Series, int]:
    """Exact amounts as integers in units of 10**-scale, and that scale."""
    if "amount" in named:
        return _scaled(table, "amount", named["amount"])
    quantity, quantity_scale = _scaled(table, "quantity", named["quantity"])
    price, price_scale = _scaled(table, "unit_price", named["unit_price"])
    return quantity * price, quantity_scale + price_scale


def _scaled(table: pl.DataFrame, field: str, label: str) -> tuple[pl.Series, int]:
    """The column as integers in units of 10**-scale, scale being the most decimal places
    any of its values has (so every value is exact)."""
    texts, numbers = _distinct_parsed(table, field, label, parse_decimal)
    places = [_decimal_places(number) for number in numbers]
    too_precise = {
        text: f"{text!r} has more than {MAX_DECIMALS} decimal places"
        for text, count in zip(texts, places, strict=True)
        if count > MAX_DECIMALS
    }
    if too_precise:
        _refuse_first(table, field, label, too_precise)
    scale = max(places, default=0)
    units = pl.Series([int(number.scaleb(scale)) for number in numbers], dtype=pl.Int128)
    return table[field].replace_strict(texts, units).cast(pl.Int128), scale


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_as_of(text: str) -> date:
    """``--as-of``: strictly YYYY-MM-DD."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise BadFile(f"--as-of wants a date like 2011-12-10, got {text!r}", field="as_of")
