"""Writes of shop data by batch, idempotent by the shop's external id.

Products and customers live here; orders, shipments and coupons in ``kefu.actions.orders``
(re-exported here so every shop-data write is importable from one module)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import record_audit
from kefu.actions.customer_merge import merged_aliases
from kefu.actions.upsert import MAX_BATCH, UpsertResult, upsert_by_key
from kefu.errors import Conflict
from kefu.models import Customer, CustomerIdentity, Product


async def do_upsert_products(
    session: AsyncSession,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    *,
    audit: bool = True,
) -> UpsertResult:
    return await upsert_by_key(session, actor, Product, "product", records, audit=audit)


async def do_upsert_customers(
    session: AsyncSession,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    *,
    audit: bool = True,
) -> UpsertResult:
    """Customers by external id. ``identities`` ([{channel, handle}]) are merged: new ones
    are added, ones the shop's channels learnt since (widget visitors …) are kept. A
    customer id merged into another customer updates the survivor."""
    aliases = await merged_aliases(session, actor.shop_id, (r["external_id"] for r in records))
    records = [
        {**r, "external_id": aliases[r["external_id"]][1]} if r["external_id"] in aliases else r
        for r in records
    ]
    plain = [{k: v for k, v in r.items() if k != "identities"} for r in records]
    outcomes: list[str] = []
    result = await upsert_by_key(
        session, actor, Customer, "customer", plain, audit=audit, outcomes=outcomes
    )
    for record, customer_id, outcome in zip(records, result.ids, outcomes, strict=True):
        added = await _merge_identities(session, actor, customer_id, record.get("identities"))
        if added and audit:
            record_audit(
                session,
                actor,
                "customer.add_identities",
                "customer",
                customer_id,
                after={"identities": added},
            )
        if added and outcome == "unchanged":
            result.unchanged, result.updated = result.unchanged - 1, result.updated + 1
    return result


async def _merge_identities(
    session: AsyncSession,
    actor: Actor,
    customer_id: int,
    identities: Sequence[Mapping[str, str]] | None,
) -> list[dict[str, str]]:
    """Add the identities the customer lacks; an identity of another customer is a conflict."""
    added: list[dict[str, str]] = []
    for identity in identities or ():
        channel, handle = identity["channel"], identity["handle"]
        owner = await session.scalar(
            select(CustomerIdentity.customer_id).where(
                CustomerIdentity.shop_id == actor.shop_id,
                CustomerIdentity.channel == channel,
                CustomerIdentity.handle == handle,
            )
        )
        if owner == customer_id:
            continue
        if owner is not None:
            raise Conflict(
                f"identity {channel}:{handle} belongs to another customer", field="identities"
            )
        session.add(
            CustomerIdentity(
                shop_id=actor.shop_id, customer_id=customer_id, channel=channel, handle=handle
            )
        )
        await session.flush()
        added.append({"channel": channel, "handle": handle})
    return added


from kefu.actions.orders import (  # noqa: E402  (orders build on UpsertResult above)
    do_upsert_coupons,
    do_upsert_orders,
    do_upsert_shipments,
)

__all__ = [
    "MAX_BATCH",
    "UpsertResult",
    "do_upsert_coupons",
    "do_upsert_customers",
    "do_upsert_orders",
    "do_upsert_products",
    "do_upsert_shipments",
]
