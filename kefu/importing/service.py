"""Running one file import end to end, for the CLI and the benchmark: find the shop, read
and check the whole file, then write it through the import action in one transaction."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor
from kefu.actions.imports import ImportResult, do_import_orders, do_import_records
from kefu.actions.shop_data import do_upsert_customers, do_upsert_products, do_upsert_shipments
from kefu.actions.upsert import external_id_map
from kefu.errors import Invalid, NotFound
from kefu.importing import orders as order_file
from kefu.importing.reader import parse_mapping, read_table
from kefu.importing.records import KINDS, drop_unknown_references, prepare_records
from kefu.lib.times import zone
from kefu.models import Order, Shop

IMPORT_KINDS = ("products", "customers", "orders", "shipments")
UPSERTS = {
    "products": do_upsert_products,
    "customers": do_upsert_customers,
    "shipments": do_upsert_shipments,
}


class Reporter(Protocol):
    """Progress shown to the person running the import (a rich bar in the CLI)."""

    def stage(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


class Silent:
    def stage(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass(slots=True)
class ImportRequest:
    kind: str
    path: Path
    shop: str
    mapping: list[str] = field(default_factory=list)
    timezone: str | None = None
    cancel_prefix: str = "C"


def fields_of(kind: str) -> tuple[str, ...]:
    if kind == "orders":
        return order_file.FIELDS
    if kind not in KINDS:
        raise Invalid(f"cannot import {kind!r}: use one of {', '.join(IMPORT_KINDS)}", field="kind")
    return KINDS[kind][0]


async def shop_by_slug(session: AsyncSession, slug: str) -> Shop:
    shop = await session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        raise NotFound(f"shop {slug!r}", field="shop")
    return shop


async def run_import(
    maker: async_sessionmaker[AsyncSession], request: ImportRequest, reporter: Reporter
) -> tuple[ImportResult, pl.DataFrame]:
    """Import the file; returns what was done and the skipped lines (line, field, reason).

    Raises a ``DomainError`` for a fatal problem; nothing is written then."""
    known = fields_of(request.kind)
    mapping = parse_mapping(request.mapping, known)
    async with maker() as session:
        shop = await shop_by_slug(session, request.shop)
        try:
            tz = zone(request.timezone or shop.timezone)
        except ValueError as exc:
            raise Invalid(str(exc), field="timezone") from None
        actor = Actor.system(shop.id, f"kefu import ({getpass.getuser()})")
        reporter.stage(f"reading {request.path.name}", None)
        table = read_table(request.path, mapping, known)
        reporter.stage("checking lines", None)
        source = str(request.path)
        if request.kind == "orders":
            prepared = order_file.prepare_orders(
                table, tz=tz, currency=shop.currency, cancel_prefix=request.cancel_prefix
            )
            reporter.stage("writing orders", prepared.lines.height)
            result = await do_import_orders(
                session, actor, prepared, source=source, progress=reporter.advance
            )
            problems = prepared.problems
        else:
            records = prepare_records(request.kind, table, tz)
            if request.kind == "shipments":
                orders = await external_id_map(session, shop.id, Order)
                records = drop_unknown_references(records, "order_external_id", orders)
            reporter.stage(f"writing {request.kind}", len(records.records))
            result = await do_import_records(
                session,
                actor,
                request.kind.removesuffix("s"),
                UPSERTS[request.kind],
                records.records,
                source=source,
                lines_read=records.lines_read,
                problems=records.problems,
                progress=reporter.advance,
            )
            problems = records.problems
        await session.commit()
    return result, problems
