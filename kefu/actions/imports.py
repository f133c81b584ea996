"""File imports: the whole file in one transaction, one audit entry per run.

Orders go through the fast path (Core-compiled ``executemany``, see ``kefu.actions.bulk``):
a file of half a million lines would take minutes through the ORM. Products, customers
and shipments go through the batch actions a thousand rows at a time (catalog-sized
files), without their per-row audit. Either way the caller commits once at the end, so
a fatal error leaves nothing behind, and re-importing a file writes nothing but the
audit entry that says it was imported again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit
from kefu.actions.bulk import delete_where_in, insert_rows, table_order, update_rows
from kefu.actions.upsert import MAX_BATCH, UpsertResult, external_id_map, publish_changed
from kefu.errors import Invalid
from kefu.importing.orders import ADDRESS_PARTS, PreparedOrders
from kefu.models import Customer, Order, OrderLine, Product
from kefu.models.base import utcnow
from kefu.reports.order_facts import paid_order_facts

Progress = Callable[[int], None]
ORDER_COLUMNS = (
    "customer_id",
    "status",
    "currency",
    "total_cents",
    "placed_at",
    "paid_at",
    "promised_at",
    "address",
    "note",
)
LINE_COLUMNS = (
    "line_no",
    "product_id",
    "sku",
    "title",
    "quantity",
    "unit_price_cents",
    "amount_cents",
)
WRITE_CHUNK = 50_000


@dataclass(slots=True)
class ImportResult:
    """What one run did; ``skipped`` counts skipped lines by reason."""

    kind: str
    source: str
    lines_read: int
    lines_imported: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def lines_skipped(self) -> int:
        return sum(self.skipped.values())


def skip_counts(problems: pl.DataFrame) -> dict[str, int]:
    """Skipped lines per reason, most frequent first."""
    counts = problems.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
    return dict(counts.iter_rows())


def _record_import(session: AsyncSession, actor: Actor, result: ImportResult) -> None:
    record_audit(
        session,
        actor,
        f"{result.kind}.import",
        "import",
        result.source[-64:],
        after=asdict(result),
    )


async def do_import_orders(
    session: AsyncSession,
    actor: Actor,
    prepared: PreparedOrders,
    *,
    source: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Write checked orders: customers named by the file are created on the fly, new
    orders inserted, changed ones updated with their lines replaced, equal ones left alone."""
    actor.require(Permission.WRITE_SHOP_DATA)
    result = ImportResult(
        "order",
        source,
        prepared.lines_read,
        prepared.lines.height,
        skipped=skip_counts(prepared.problems),
    )
    customer_ids = await _ensure_customers(session, actor, prepared.orders, result)
    product_ids = await _product_ids(session, actor, prepared.lines)
    orders = _order_frame(prepared.orders, customer_ids)
    lines = _with_product_ids(prepared.lines, product_ids)
    existing = await _existing_orders(session, actor, orders.get_column("external_id"))
    incoming, changed = _changed_orders(existing, orders, lines)
    fresh = orders.filter(~pl.col("external_id").is_in(list(existing)))
    result.created, result.updated = fresh.height, len(changed)
    result.unchanged = len(existing) - len(changed)
    now = utcnow()
    order_columns = table_order(
        Order.__table__, ("shop_id", "external_id", *ORDER_COLUMNS, "created_at", "updated_at")
    )
    fresh_rows = fresh.with_columns(
        pl.lit(actor.shop_id, dtype=pl.Int64).alias("shop_id"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    ).select(order_columns)
    await insert_rows(session, Order.__table__, order_columns, fresh_rows.rows())
    new = fresh.get_column("external_id").to_list()
    order_ids = await external_id_map(session, actor.shop_id, Order, new) if new else {}
    for external_id in changed:
        order_ids[external_id] = existing[external_id][2]
    await update_rows(
        session,
        Order.__table__,
        (*ORDER_COLUMNS, "updated_at"),
        [(*incoming[e][0], now, order_ids[e]) for e in changed],
    )
    await delete_where_in(session, OrderLine.order_id, [order_ids[e] for e in changed])
    await _insert_lines(session, actor, lines, order_ids, progress)
    paid = ORDER_COLUMNS.index("paid_at")
    paid_before = {e for e, (values, _lines, _id) in existing.items() if values[paid] is not None}
    await paid_order_facts(
        session, actor.shop_id, orders.get_column("external_id").to_list(), paid_before
    )
    _record_import(session, actor, result)
    publish_changed(session, actor, "order", UpsertResult(result.created, result.updated))
    return result


async def _ensure_customers(
    session: AsyncSession, actor: Actor, orders: pl.DataFrame, result: ImportResult
) -> dict[str, int]:
    """Customer ids by external id; customers the shop does not know yet are created."""
    wanted = set(orders.get_column("customer_external_id").drop_nulls().to_list())
    known = await external_id_map(session, actor.shop_id, Customer)
    new = sorted(wanted - known.keys())
    if new:
        now = utcnow()
        await insert_rows(
            session,
            Customer.__table__,
            ("shop_id", "external_id", "tags", "rule_tags", "created_at", "updated_at"),
            [(actor.shop_id, e, [], [], now, now) for e in new],
            skip_conflicts_on=("shop_id", "external_id"),
        )
        known = await external_id_map(session, actor.shop_id, Customer)
        result.customers_created = len(new)
    return known


async def _product_ids(session: AsyncSession, actor: Actor, lines: pl.DataFrame) -> dict[str, int]:
    wanted = set(lines.get_column("product_external_id").drop_nulls().to_list())
    if not wanted:
        return {}
    known = await external_id_map(session, actor.shop_id, Product, wanted)
    unknown = sorted(wanted - known.keys())
    if unknown:
        raise Invalid(
            f"unknown product_external_id {unknown[0]!r}: import the products first",
            field="product_external_id",
        )
    return known


def _order_frame(orders: pl.DataFrame, customer_ids: Mapping[str, int]) -> pl.DataFrame:
    """``external_id`` and ORDER_COLUMNS, with Kefu's customer ids and address dicts."""
    address_columns = [f"address_{part}" for part in ADDRESS_PARTS]
    if orders.select(pl.any_horizontal(pl.col(address_columns).is_not_null()).any()).item():
        addresses = [
            dict(zip(ADDRESS_PARTS, parts, strict=True)) if any(parts) else None
            for parts in orders.select(address_columns).iter_rows()
        ]
        address = pl.Series("address", addresses, dtype=pl.Object)
    else:
        address = pl.lit(None).alias("address")
    customer_id = pl.col("customer_external_id").replace_strict(
        customer_ids, default=None, return_dtype=pl.Int64
    )
    return orders.with_columns(customer_id.alias("customer_id"), address).select(
        "external_id", *ORDER_COLUMNS
    )


def _changed_orders(
    existing: Mapping[str, tuple[tuple, list[tuple], int]],
    orders: pl.DataFrame,
    lines: pl.DataFrame,
) -> tuple[dict[str, list[tuple]], list[str]]:
    """The file's values of the orders already stored, and the numbers of those that
    differ from what is stored (an order field or any line)."""
    is_stored = pl.col("external_id").is_in(list(existing))
    incoming = _group_rows(orders.filter(is_stored).select("external_id", *ORDER_COLUMNS))
    incoming_lines = _group_rows(lines.filter(is_stored).select("external_id", *LINE_COLUMNS))
    changed = [
        e for e, row in incoming.items() if existing[e][:2] != (row[0], sorted(incoming_lines[e]))
    ]
    return incoming, changed


def _group_rows(table: pl.DataFrame) -> dict[str, list[tuple]]:
    """First column → the tuples of the other columns of the rows that share it."""
    grouped: dict[str, list[tuple]] = {}
    for key, *values in table.iter_rows():
        grouped.setdefault(key, []).append(tuple(values))
    return grouped


def _with_product_ids(lines: pl.DataFrame, product_ids: Mapping[str, int]) -> pl.DataFrame:
    """The lines with ``product_id`` (Kefu's id) in place of the product's external id."""
    product = pl.col("product_external_id")
    if product_ids:
        product_id = product.replace_strict(product_ids, default=None, return_dtype=pl.Int64)
    else:
        product_id = pl.lit(None, dtype=pl.Int64)
    others = (c for c in LINE_COLUMNS if c != "product_id")
    return lines.select("external_id", product_id.alias("product_id"), *others)


async def _existing_orders(
    session: AsyncSession, actor: Actor, external_ids: Any
) -> dict[str, tuple[tuple, list[tuple], int]]:
    """The shop's stored orders named by the file: (ORDER_COLUMNS values, lines, id)."""
    wanted = set(external_ids)
    columns = [getattr(Order, c) for c in ORDER_COLUMNS]
    rows = await session.execute(
        select(Order.external_id, Order.id, *columns).where(Order.shop_id == actor.shop_id)
    )
    found = {e: (tuple(values), [], order_id) for e, order_id, *values in rows if e in wanted}
    if not found:
        return {}
    by_id = {order_id: lines for _, lines, order_id in found.values()}
    line_rows = await session.execute(
        select(OrderLine.order_id, *(getattr(OrderLine, c) for c in LINE_COLUMNS))
        .where(OrderLine.shop_id == actor.shop_id)
        .order_by(OrderLine.order_id, OrderLine.line_no)
    )
    for order_id, *values in line_rows:
        if order_id in by_id:
            by_id[order_id].append(tuple(values))
    return found


async def _insert_lines(
    session: AsyncSession,
    actor: Actor,
    lines: pl.DataFrame,
    order_ids: Mapping[str, int],
    progress: Progress | None,
) -> None:
    """Insert the lines of the orders in ``order_ids``, built as rows in the table's column
    order by polars (no Python loop per line), a chunk at a time for the progress bar."""
    columns = table_order(OrderLine.__table__, ("shop_id", "order_id", *LINE_COLUMNS))
    ids = pl.DataFrame(
        {"external_id": list(order_ids), "order_id": list(order_ids.values())},
        schema={"external_id": pl.String, "order_id": pl.Int64},
    )
    rows = (
        lines.join(ids, on="external_id", how="inner", maintain_order="left")
        .select(
            pl.lit(actor.shop_id, dtype=pl.Int64).alias("shop_id"),
            *(c for c in columns if c != "shop_id"),
        )
        .select(columns)
    )
    for chunk in rows.iter_slices(WRITE_CHUNK):
        await insert_rows(session, OrderLine.__table__, columns, chunk.rows())
        if progress is not None:
            progress(chunk.height)


UpsertAction = Callable[..., Awaitable[UpsertResult]]


async def do_import_records(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    upsert: UpsertAction,
    records: Sequence[Mapping[str, Any]],
    *,
    source: str,
    lines_read: int,
    problems: pl.DataFrame,
    progress: Progress | None = None,
) -> ImportResult:
    """Write checked records of products, customers or shipments through their batch
    action (``upsert``) without per-row audit, then audit the run once."""
    actor.require(Permission.WRITE_SHOP_DATA)
    result = ImportResult(kind, source, lines_read, len(records), skipped=skip_counts(problems))
    for start in range(0, len(records), MAX_BATCH):
        chunk = records[start : start + MAX_BATCH]
        batch = await upsert(session, actor, chunk, audit=False)
        result.created += batch.created
        result.updated += batch.updated
        result.unchanged += batch.unchanged
        if progress is not None:
            progress(len(chunk))
    _record_import(session, actor, result)
    return result
