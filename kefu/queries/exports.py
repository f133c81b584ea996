"""Exports of shop data as tables in the import's own column names, so an exported file
imports back unchanged (times with their offset in the shop's time zone, money as
decimal amounts). Contact details are masked for actors without permission."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.importing.orders import ADDRESS_PARTS
from kefu.importing.records import CUSTOMER_FIELDS
from kefu.models import Customer, CustomerIdentity, Order, OrderLine, Product, Shop
from kefu.queries.contact import mask_contact_columns

EXPORT_KINDS = ("orders", "customers", "products")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%:z"


def _money(column: str, alias: str) -> pl.Expr:
    """Integer cents → exact decimal text ("2.55")."""
    cents = pl.col(column)
    return (
        (cents // 100).cast(pl.String) + pl.lit(".") + (cents % 100).cast(pl.String).str.zfill(2)
    ).alias(alias)


def _local(column: str, tz: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(tz).dt.strftime(TIME_FORMAT)


async def _rows(session: AsyncSession, stmt: Any, schema: dict[str, Any]) -> pl.DataFrame:
    result = await session.execute(stmt)
    return pl.DataFrame(result.all(), schema=schema, orient="row")


async def export_table(session: AsyncSession, actor: Actor, kind: str) -> pl.DataFrame:
    """The actor's shop's ``kind`` ("orders", "customers", "products") as a table."""
    actor.require(Permission.READ_SHOP_DATA)
    shop = await session.get(Shop, actor.shop_id)
    assert shop is not None
    table = await {"orders": _orders, "customers": _customers, "products": _products}[kind](
        session, actor, shop.timezone
    )
    return mask_contact_columns(actor, table)


async def _products(session: AsyncSession, actor: Actor, _tz: str) -> pl.DataFrame:
    columns = (
        "external_id",
        "sku",
        "title",
        "category",
        "price_cents",
        "stock",
        "url",
        "image_url",
    )
    stmt = (
        select(*(getattr(Product, c) for c in columns), Product.attributes)
        .where(Product.shop_id == actor.shop_id)
        .order_by(Product.id)
    )
    table = await _rows(
        session,
        stmt,
        {c: pl.Int64 if c in ("price_cents", "stock") else pl.String for c in columns}
        | {"attributes": pl.Object},
    )
    return table.select(
        "external_id",
        "sku",
        "title",
        "category",
        _money("price_cents", "price"),
        "stock",
        pl.Series(
            "attributes",
            [json.dumps(a, ensure_ascii=False) if a else None for a in table["attributes"]],
            dtype=pl.String,
        ),
        "url",
        "image_url",
    )


async def _customers(session: AsyncSession, actor: Actor, _tz: str) -> pl.DataFrame:
    identities: dict[int, list[str]] = {}
    for customer_id, channel, handle in await session.execute(
        select(CustomerIdentity.customer_id, CustomerIdentity.channel, CustomerIdentity.handle)
        .where(CustomerIdentity.shop_id == actor.shop_id)
        .order_by(CustomerIdentity.id)
    ):
        identities.setdefault(customer_id, []).append(f"{channel}:{handle}")
    rows = []
    for c in await session.scalars(
        select(Customer).where(Customer.shop_id == actor.shop_id).order_by(Customer.id)
    ):
        rows.append(
            {
                "external_id": c.external_id,
                "name": c.name,
                "nickname": c.nickname,
                "phone": c.phone,
                "email": c.email,
                "country": c.country,
                "birthday": c.birthday.isoformat() if c.birthday else None,
                "member_level": c.member_level,
                "tags": ",".join(c.tags) or None,
                "note": c.note,
                "identities": ",".join(identities.get(c.id, [])) or None,
            }
        )
    schema = dict.fromkeys(CUSTOMER_FIELDS, pl.String)
    return pl.DataFrame(rows, schema=schema)


async def _orders(session: AsyncSession, actor: Actor, tz: str) -> pl.DataFrame:
    order_columns = {
        "order_id": pl.Int64,
        "external_id": pl.String,
        "customer_external_id": pl.String,
        "status": pl.String,
        "currency": pl.String,
        "placed_at": pl.Datetime("us", "UTC"),
        "paid_at": pl.Datetime("us", "UTC"),
        "note": pl.String,
        "address": pl.Object,
    }
    orders = await _rows(
        session,
        select(
            Order.id,
            Order.external_id,
            Customer.external_id,
            Order.status,
            Order.currency,
            Order.placed_at,
            Order.paid_at,
            Order.note,
            Order.address,
        )
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(Order.shop_id == actor.shop_id)
        .order_by(Order.placed_at, Order.id),
        order_columns,
    )
    addresses = pl.DataFrame(
        [{f"address_{p}": (a or {}).get(p) for p in ADDRESS_PARTS} for a in orders["address"]],
        schema={f"address_{p}": pl.String for p in ADDRESS_PARTS},
    )
    orders = pl.concat([orders.drop("address"), addresses], how="horizontal").with_columns(
        pl.col("status").cast(pl.String)
    )
    lines = await _rows(
        session,
        select(
            OrderLine.order_id,
            OrderLine.line_no,
            OrderLine.sku,
            OrderLine.title,
            OrderLine.quantity,
            OrderLine.unit_price_cents,
            Product.external_id,
        )
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.shop_id == actor.shop_id),
        {
            "order_id": pl.Int64,
            "line_no": pl.Int64,
            "sku": pl.String,
            "title": pl.String,
            "quantity": pl.Int64,
            "unit_price_cents": pl.Int64,
            "product_external_id": pl.String,
        },
    )
    joined = orders.with_row_index("_order").join(lines, on="order_id", how="inner")
    return joined.sort("_order", "line_no").select(
        "external_id",
        "customer_external_id",
        "status",
        "currency",
        _local("placed_at", tz).alias("placed_at"),
        _local("paid_at", tz).alias("paid_at"),
        "note",
        *(f"address_{p}" for p in ADDRESS_PARTS),
        "line_no",
        "sku",
        "title",
        "quantity",
        _money("unit_price_cents", "unit_price"),
        "product_external_id",
    )
