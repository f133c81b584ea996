"""Orders files: one line per order line, grouped into orders by ``external_id`` (like
the UCI Online Retail file).

Decisions, documented in docs/cli.md:
- Without a ``status`` column, an order whose number starts with ``cancel_prefix``
  ("C" by default, as in UCI invoices) is ``cancelled``; every other order ``completed``.
- A cancellation's lines must carry negative quantities (stock coming back); they are
  stored as positive numbers on the cancelled order. A negative quantity on any other
  order, or a positive one on a cancellation, is skipped and reported. With a status
  column, every quantity must be positive: the status says what happened.
- Skipped and reported, never silently: missing order number, SKU or title, quantity 0,
  a price of 0 or below, fractions of a cent, unreadable numbers and times."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from kefu.importing.fields import (
    MAX_BIGINT,
    Check,
    apply_checks,
    cents,
    column_lengths,
    converted,
    missing,
    require_columns,
    text_or_null,
    too_large,
    too_long,
    whole_number,
)
from kefu.importing.reader import LINE
from kefu.lib.times import parse_local_time
from kefu.models import Order, OrderLine, OrderStatus

ADDRESS_PARTS = ("name", "phone", "province", "city", "district", "line", "postcode", "country")
ORDER_FIELDS = (
    "external_id",
    "customer_external_id",
    "status",
    "currency",
    "placed_at",
    "paid_at",
    "promised_at",
    "note",
    *(f"address_{part}" for part in ADDRESS_PARTS),
)
LINE_FIELDS = (
    "line_no",
    "sku",
    "title",
    "quantity",
    "unit_price",
    "unit_price_cents",
    "product_external_id",
)
FIELDS = ORDER_FIELDS + LINE_FIELDS
REQUIRED = (
    ("external_id",),
    ("placed_at",),
    ("sku",),
    ("title",),
    ("quantity",),
    ("unit_price", "unit_price_cents"),
)
UTC_TIME = pl.Datetime("us", "UTC")
LENGTHS = {
    name: length
    for name, length in (
        column_lengths(Order)
        | column_lengths(OrderLine)
        | {"customer_external_id": 64, "product_external_id": 64}
    ).items()
    if name in FIELDS
}


@dataclass(slots=True)
class PreparedOrders:
    """Checked orders and lines, ready for ``do_import_orders``.

    ``orders``: one row per order (order fields, ``total_cents``); ``lines``: one row per
    line (``external_id``, ``line_no``, ``sku``, ``title``, ``quantity``,
    ``unit_price_cents``, ``amount_cents``, ``product_external_id``), in file order."""

    orders: pl.DataFrame
    lines: pl.DataFrame
    problems: pl.DataFrame
    lines_read: int


def prepare_orders(
    table: pl.DataFrame, *, tz: ZoneInfo, currency: str, cancel_prefix: str = "C"
) -> PreparedOrders:
    require_columns(table, REQUIRED, "orders")
    price, price_check = cents(table, "unit_price")
    table = table.with_columns(
        text_or_null(table, name) for name in FIELDS if name not in table.columns
    )
    quantity, quantity_check = converted(table, "quantity", whole_number, pl.Int64())
    placed_at, placed_check = converted(
        table, "placed_at", lambda t: parse_local_time(t, tz), UTC_TIME
    )
    paid_at, paid_check = converted(table, "paid_at", lambda t: parse_local_time(t, tz), UTC_TIME)
    promised_at, promised_check = converted(
        table, "promised_at", lambda t: parse_local_time(t, tz), UTC_TIME
    )
    line_no, line_no_check = converted(table, "line_no", whole_number, pl.Int64())
    has_status = table.get_column("status").is_not_null().any()
    # A cancellation invoice (UCI style) lists the returned quantities as negative numbers;
    # with a status column, quantities are plain positive numbers on every order.
    cancelled = (
        pl.lit(False)
        if has_status
        else pl.lit(bool(cancel_prefix)) & pl.col("external_id").str.starts_with(cancel_prefix)
    )
    table = table.with_columns(
        quantity.alias("_quantity"),
        price.alias("_price"),
        placed_at.alias("_placed_at"),
        paid_at.alias("_paid_at"),
        promised_at.alias("_promised_at"),
        line_no.alias("_line_no"),
        cancelled.fill_null(False).alias("_cancelled"),
    )
    statuses = [s.value for s in OrderStatus]
    checks = [
        missing("external_id", "missing order number"),
        missing("sku", "missing SKU"),
        missing("title", "missing title"),
        *(too_long(name, length) for name, length in LENGTHS.items()),
        quantity_check,
        missing("quantity", "missing quantity"),
        too_large("quantity", pl.col("_quantity")),
        Check("quantity", pl.col("_quantity") == 0, "quantity is 0"),
        price_check,
        missing(price_check.field, "missing price"),
        Check(price_check.field, pl.col("_price") == 0, "price is 0 (free or adjustment line)"),
        Check(price_check.field, pl.col("_price") < 0, "negative price (adjustment line)"),
        Check(
            "quantity",
            (pl.col("_quantity").cast(pl.Float64) * pl.col("_price")).abs() >= MAX_BIGINT,
            "quantity × price is too large",
        ),
        Check(
            "quantity",
            ~pl.col("_cancelled") & (pl.col("_quantity") < 0),
            "negative quantity on an order that is not a cancellation"
            if not has_status
            else "negative quantity",
        ),
        Check(
            "quantity",
            pl.col("_cancelled") & (pl.col("_quantity") > 0),
            "positive quantity on a cancellation",
        ),
        placed_check,
        missing("placed_at", "missing order time"),
        paid_check,
        promised_check,
        line_no_check,
        Check("line_no", pl.col("_line_no") < 1, "line_no must be 1 or more"),
        too_large("line_no", pl.col("_line_no")),
        Check(
            "status",
            pl.col("status").is_not_null() & ~pl.col("status").is_in(statuses),
            pl.format("unknown status '{}' (use one of {})", "status", pl.lit(", ".join(statuses))),
        ),
        Check(
            "currency",
            pl.col("currency").is_not_null() & ~pl.col("currency").str.contains("^[A-Za-z]{3}$"),
            "currency must be a three-letter code such as CNY",
        ),
    ]
    good, problems = apply_checks(table, checks)
    good = _number_lines(good)
    good, duplicates = apply_checks(
        good,
        [
            Check(
                "line_no",
                ~pl.struct("external_id", "_line_no").is_first_distinct(),
                "line_no appears twice in this order",
            )
        ],
    )
    problems = pl.concat([problems, duplicates]).sort("line")
    lines = good.select(
        "external_id",
        pl.col("_line_no").alias("line_no"),
        "sku",
        "title",
        pl.col("_quantity").abs().alias("quantity"),
        pl.col("_price").alias("unit_price_cents"),
        (pl.col("_quantity").abs() * pl.col("_price")).alias("amount_cents"),
        "product_external_id",
    )
    return PreparedOrders(_orders(good, lines, currency, has_status), lines, problems, table.height)


def _number_lines(good: pl.DataFrame) -> pl.DataFrame:
    """Lines without a ``line_no`` are numbered by their position in the order."""
    position = pl.int_range(1, pl.len() + 1).over("external_id")
    return good.with_columns(pl.col("_line_no").fill_null(position))


def _orders(
    good: pl.DataFrame, lines: pl.DataFrame, currency: str, has_status: bool
) -> pl.DataFrame:
    """One row per order: the first line's order fields, the sum of the amounts."""
    if has_status:
        status = pl.col("status").fill_null(OrderStatus.COMPLETED.value)
    else:
        status = (
            pl.when(pl.col("_cancelled"))
            .then(pl.lit(OrderStatus.CANCELLED.value))
            .otherwise(pl.lit(OrderStatus.COMPLETED.value))
        )
    firsts = good.group_by("external_id", maintain_order=True).agg(
        pl.col("customer_external_id").first(),
        status.first().alias("status"),
        pl.col("currency").first().str.to_uppercase().fill_null(currency),
        pl.col("_placed_at").first().alias("placed_at"),
        pl.col("_paid_at").first().alias("paid_at"),
        pl.col("_promised_at").first().alias("promised_at"),
        pl.col("note").first(),
        *(pl.col(f"address_{part}").first() for part in ADDRESS_PARTS),
    )
    totals = lines.group_by("external_id").agg(pl.col("amount_cents").sum().alias("total_cents"))
    return firsts.join(totals, on="external_id", how="left", maintain_order="left")


__all__ = ["FIELDS", "LINE", "PreparedOrders", "prepare_orders"]
