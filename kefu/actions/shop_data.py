"""Writes of shop data (products, customers …): bulk upserts idempotent by external id.

Integrators resend whole batches after a timeout; sending the same batch twice must
change nothing, so rows are matched on ``(shop_id, external_id)`` and only real changes
are written and audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import publish_on_commit, record_audit, snapshot
from kefu.errors import Invalid
from kefu.events import ShopDataChanged
from kefu.models import Customer, Product
from kefu.models.base import Base

MAX_BATCH = 1000


@dataclass(slots=True)
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


async def upsert_by_external_id(
    session: AsyncSession,
    actor: Actor,
    model: type[Base],
    entity: str,
    records: Sequence[Mapping[str, Any]],
) -> UpsertResult:
    """Insert new rows and update changed ones of ``model``, matched by external id."""
    actor.require(Permission.WRITE_SHOP_DATA)
    if len(records) > MAX_BATCH:
        raise Invalid(f"send at most {MAX_BATCH} {entity}s per request", field="items")
    external_ids = [r["external_id"] for r in records]
    if len(set(external_ids)) != len(external_ids):
        raise Invalid("the same external_id appears twice in one batch", field="external_id")
    existing = {
        row.external_id: row
        for row in await session.scalars(
            select(model).where(
                model.shop_id == actor.shop_id,  # type: ignore[attr-defined]
                model.external_id.in_(external_ids),  # type: ignore[attr-defined]
            )
        )
    }
    result = UpsertResult()
    rows = []
    for record in records:
        row = existing.get(record["external_id"])
        if row is None:
            row = model(shop_id=actor.shop_id, **record)
            session.add(row)
            await session.flush()
            record_audit(session, actor, f"{entity}.create", entity, row.id, after=snapshot(row))
            result.created += 1
        else:
            before = snapshot(row)
            for key, value in record.items():
                setattr(row, key, value)
            after = snapshot(row)
            if {k: after[k] for k in record} == {k: before[k] for k in record}:
                result.unchanged += 1
            else:
                await session.flush()
                record_audit(
                    session, actor, f"{entity}.update", entity, row.id, before=before, after=after
                )
                result.updated += 1
        rows.append(row)
    result.ids = [row.id for row in rows]
    if result.created or result.updated:
        publish_on_commit(
            session,
            ShopDataChanged(
                actor.shop_id,
                {"entity": entity, "created": result.created, "updated": result.updated},
                frozenset({f"shop:{actor.shop_id}"}),
            ),
        )
    return result


async def do_upsert_products(
    session: AsyncSession, actor: Actor, records: Sequence[Mapping[str, Any]]
) -> UpsertResult:
    return await upsert_by_external_id(session, actor, Product, "product", records)


async def do_upsert_customers(
    session: AsyncSession, actor: Actor, records: Sequence[Mapping[str, Any]]
) -> UpsertResult:
    return await upsert_by_external_id(session, actor, Customer, "customer", records)
