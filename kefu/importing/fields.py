"""Checks and conversions shared by every kind of file, vectorised with polars.

A check names the field and the reason; a row failing several checks is reported once,
for the first. Conversions run once per distinct value (a file of 500,000 lines holds a
few thousand distinct prices and times), with exact ``Decimal`` arithmetic for money."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import String

from kefu.importing.reader import LINE, FileProblem
from kefu.lib.money import decimal_to_cents

FIELD = "_failed_check"
# Whole numbers are read as 64-bit integers; a count column (quantity …) holds 32 bits.
MAX_BIGINT = 2**63 - 1
MAX_COUNT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Check:
    field: str
    bad: pl.Expr
    reason: pl.Expr | str


def missing(field: str, reason: str) -> Check:
    return Check(field, pl.col(field).is_null(), reason)


def converted(
    table: pl.DataFrame, field: str, convert: Callable[[str], Any], dtype: pl.DataType
) -> tuple[pl.Expr, Check]:
    """``field`` converted by ``convert`` (once per distinct value) and the check that
    reports values it refused, with its message."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for text in table.get_column(field).drop_nulls().unique().to_list():
        try:
            values[text] = convert(text)
        except ValueError as exc:
            errors[text] = str(exc)
    value = pl.col(field).replace_strict(values, default=None, return_dtype=dtype)
    error = pl.col(field).replace_strict(errors, default=None, return_dtype=pl.String)
    return value, Check(field, error.is_not_null(), error)


def _storable(value: int, text: str) -> int:
    """``value`` if a 64-bit column holds it; beyond that, a problem of this line."""
    if not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise ValueError(f"{text!r} is too large")
    return value


def whole_number(text: str) -> int:
    try:
        value = int(text.replace(",", "").removesuffix(".0"))
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    return _storable(value, text)


def _amount_in_cents(text: str) -> int:
    return _storable(decimal_to_cents(text), text)


def cents(table: pl.DataFrame, field: str) -> tuple[pl.Expr, Check]:
    """A money column: ``<name>`` holds a decimal amount, ``<name>_cents`` whole cents."""
    if f"{field}_cents" in table.columns:
        return converted(table, f"{field}_cents", whole_number, pl.Int64())
    return converted(table, field, _amount_in_cents, pl.Int64())


def too_large(field: str, value: pl.Expr, limit: int = MAX_COUNT) -> Check:
    return Check(field, value.abs() > limit, f"larger than {limit}")


def apply_checks(table: pl.DataFrame, checks: Sequence[Check]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``table`` into the rows that pass every check and the problems
    (``line``, ``field``, ``reason``) of those that do not.

    Only the index of the first failing check is computed for every row; fields and
    reasons are worked out for the (few) failing rows alone."""
    first = pl.coalesce([pl.when(c.bad).then(pl.lit(i)) for i, c in enumerate(checks)])
    marked = table.with_columns(first.alias(FIELD))
    failing = marked.filter(pl.col(FIELD).is_not_null())
    good = marked.filter(pl.col(FIELD).is_null()).drop(FIELD)
    field: Any = pl.lit(None, dtype=pl.String)
    reason: Any = pl.lit(None, dtype=pl.String)
    for i, check in enumerate(checks):
        hit = pl.col(FIELD) == i
        reason_expr = pl.lit(check.reason) if isinstance(check.reason, str) else check.reason
        field = pl.when(hit).then(pl.lit(check.field)).otherwise(field)
        reason = pl.when(hit).then(reason_expr).otherwise(reason)
    problems = failing.select(
        pl.col(LINE).cast(pl.Int64).alias("line"),
        field.alias("field"),
        reason.alias("reason"),
    )
    return good, problems


def require_columns(table: pl.DataFrame, required: Sequence[Sequence[str]], kind: str) -> None:
    """Each entry of ``required`` lists alternatives (``unit_price`` or ``unit_price_cents``)."""
    for alternatives in required:
        if not any(name in table.columns for name in alternatives):
            wanted = " or ".join(repr(n) for n in alternatives)
            raise FileProblem(
                f"the {kind} file has no column {wanted}; name it so or map it with "
                f"--map {alternatives[0]}=<column in your file>",
                field=alternatives[0],
            )


def column_lengths(model: Any, *, prefix: str = "") -> dict[str, int]:
    """Longest text each of ``model``'s text columns holds, keyed ``prefix + name``;
    the checks refuse longer values per line instead of failing the whole write."""
    return {
        prefix + column.name: column.type.length
        for column in model.__table__.columns
        if isinstance(column.type, String) and column.type.length
    }


def too_long(field: str, length: int) -> Check:
    return Check(field, pl.col(field).str.len_chars() > length, f"longer than {length} characters")


def text_or_null(table: pl.DataFrame, field: str) -> pl.Expr:
    """``field`` when the file has it, else a column of nulls."""
    if field in table.columns:
        return pl.col(field)
    return pl.lit(None, dtype=pl.String).alias(field)
