"""Writes of orders (with their lines), shipments (with tracking events) and coupons.

Same promise as every shop-data write: resending a batch changes nothing. Order lines are
replaced as a set (matched by ``line_no``); tracking events are merged by (time, status)
because carriers resend the whole timeline with each update."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import record_audit, snapshot
from kefu.actions.upsert import (
    UpsertResult,
    apply_changes,
    check_batch,
    check_numbers_fit,
    publish_changed,
    resolve_external_ids,
    upsert_by_key,
)
from kefu.models import (
    Coupon,
    Customer,
    Order,
    OrderLine,
    Product,
    Shipment,
    TrackingEvent,
)
from kefu.reports.order_facts import paid_external_ids, paid_order_facts

LINE_FIELDS = ("product_id", "sku", "title", "quantity", "unit_price_cents", "amount_cents")


def order_lines(record: Mapping[str, Any], product_ids: Mapping[str, int]) -> list[dict[str, Any]]:
    """The lines of an order record with Kefu product ids and amounts filled in."""
    lines = []
    for position, line in enumerate(record["lines"], start=1):
        product = line.get("product_external_id")
        lines.append(
            {
                "line_no": line.get("line_no") or position,
                "product_id": product_ids[product] if product else None,
                "sku": line["sku"],
                "title": line["title"],
                "quantity": line["quantity"],
                "unit_price_cents": line["unit_price_cents"],
                "amount_cents": line["quantity"] * line["unit_price_cents"],
            }
        )
    return lines


def _order_fields(record: Mapping[str, Any], customer_ids: Mapping[str, int]) -> dict[str, Any]:
    customer = record.get("customer_external_id")
    return {
        "customer_id": customer_ids[customer] if customer else None,
        "status": record["status"],
        "currency": record["currency"],
        "placed_at": record["placed_at"],
        "paid_at": record.get("paid_at"),
        "promised_at": record.get("promised_at"),
        "address": record.get("address"),
        "note": record.get("note"),
    }


def _replace_lines(order: Order, lines: list[dict[str, Any]]) -> bool:
    """Make ``order.lines`` equal to ``lines`` in place (by line_no); True if anything changed.

    Rows are updated rather than deleted and re-inserted so the (order, line_no) unique
    constraint never sees two rows at once."""
    current = {line.line_no: line for line in order.lines}
    wanted = {line["line_no"]: line for line in lines}
    changed = False
    for line_no, row in current.items():
        if line_no not in wanted:
            order.lines.remove(row)
            changed = True
    for line_no, values in wanted.items():
        row = current.get(line_no)
        if row is None:
            order.lines.append(OrderLine(shop_id=order.shop_id, **values))
            changed = True
        elif any(getattr(row, f) != values[f] for f in LINE_FIELDS):
            for name in LINE_FIELDS:
                setattr(row, name, values[name])
            changed = True
    return changed


@dataclass(frozen=True, slots=True)
class ParentKind:
    """How to upsert one kind of row that owns child rows (order lines, tracking events).

    ``fields(record)`` gives the row's column values; ``children(row, record)`` brings
    the children in line with the record and says whether anything changed;
    ``summary(row)`` is what the audit shows of the children. A new row starts with an
    empty ``collection`` set outright: left unset, reading it after the flush would be a
    lazy load, which async sessions cannot do."""

    model: type[Order] | type[Shipment]
    entity: str
    collection: str
    fields: Callable[[Mapping[str, Any]], dict[str, Any]]
    children: Callable[[Any, Mapping[str, Any]], bool]
    summary: Callable[[Any], dict[str, Any]]


async def _upsert_parents(
    session: AsyncSession,
    actor: Actor,
    kind: ParentKind,
    records: Sequence[Mapping[str, Any]],
    *,
    audit: bool,
) -> UpsertResult:
    model, entity = kind.model, kind.entity
    existing = {
        row.external_id: row
        for row in await session.scalars(
            select(model).where(
                model.shop_id == actor.shop_id,
                model.external_id.in_([r["external_id"] for r in records]),
            )
        )
    }
    result = UpsertResult()
    for record in records:
        fields = kind.fields(record)
        row = existing.get(record["external_id"])
        if row is None:
            row = model(
                shop_id=actor.shop_id,
                external_id=record["external_id"],
                **{kind.collection: []},
                **fields,
            )
            kind.children(row, record)
            session.add(row)
            await session.flush()
            if audit:
                after = snapshot(row) | kind.summary(row)
                record_audit(session, actor, f"{entity}.create", entity, row.id, after=after)
            result.created += 1
        else:
            before = (apply_changes(row, fields) or snapshot(row)) | kind.summary(row)
            children_changed = kind.children(row, record)
            if not (session.is_modified(row) or children_changed):
                result.unchanged += 1
            else:
                await session.flush()
                if audit:
                    after = snapshot(row) | kind.summary(row)
                    record_audit(
                        session,
                        actor,
                        f"{entity}.update",
                        entity,
                        row.id,
                        before=before,
                        after=after,
                    )
                result.updated += 1
        result.ids.append(row.id)
    publish_changed(session, actor, entity, result)
    return result


async def do_upsert_orders(
    session: AsyncSession,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    *,
    audit: bool = True,
) -> UpsertResult:
    """Orders by external id with their lines; ``total_cents`` is the sum of the lines."""
    check_batch(actor, "order", records, "external_id")
    customer_ids = await resolve_external_ids(
        session,
        actor,
        Customer,
        (r.get("customer_external_id") for r in records),
        "customer_external_id",
    )
    product_ids = await resolve_external_ids(
        session,
        actor,
        Product,
        (line.get("product_external_id") for r in records for line in r["lines"]),
        "product_external_id",
    )

    def fields(record: Mapping[str, Any]) -> dict[str, Any]:
        total = sum(line["amount_cents"] for line in order_lines(record, product_ids))
        return _order_fields(record, customer_ids) | {"total_cents": total}

    for index, record in enumerate(records):
        for line_index, line in enumerate(order_lines(record, product_ids)):
            check_numbers_fit(OrderLine, line, f"items.{index}.lines.{line_index}")
        check_numbers_fit(Order, {"total_cents": fields(record)["total_cents"]}, f"items.{index}")

    def lines(order: Order, record: Mapping[str, Any]) -> bool:
        return _replace_lines(order, order_lines(record, product_ids))

    kind = ParentKind(Order, "order", "lines", fields, lines, _lines_summary)
    external_ids = [r["external_id"] for r in records]
    paid_before = await paid_external_ids(session, actor.shop_id, external_ids)
    result = await _upsert_parents(session, actor, kind, records, audit=audit)
    await paid_order_facts(session, actor.shop_id, external_ids, paid_before)
    return result


def _lines_summary(order: Order) -> dict[str, Any]:
    return {
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_cents": line.unit_price_cents,
            }
            for line in order.lines
        ]
    }


def _merge_events(shipment: Shipment, record: Mapping[str, Any]) -> bool:
    """Add tracking events the shipment lacks and refresh changed texts; never drops one."""
    current = {(e.at, e.status): e for e in shipment.events}
    changed = False
    for event in record.get("events") or ():
        row = current.get((event["at"], event["status"]))
        if row is None:
            row = TrackingEvent(
                shop_id=shipment.shop_id,
                at=event["at"],
                status=event["status"],
                location=event.get("location"),
                description=event["description"],
            )
            shipment.events.append(row)
            current[(row.at, row.status)] = row
            changed = True
        elif (row.location, row.description) != (event.get("location"), event["description"]):
            row.location, row.description = event.get("location"), event["description"]
            changed = True
    return changed


async def do_upsert_shipments(
    session: AsyncSession,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    *,
    audit: bool = True,
) -> UpsertResult:
    """Shipments by external id; their tracking events are merged idempotently."""
    check_batch(actor, "shipment", records, "external_id")
    order_ids = await resolve_external_ids(
        session, actor, Order, (r["order_external_id"] for r in records), "order_external_id"
    )

    def fields(record: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "order_id": order_ids[record["order_external_id"]],
            "carrier": record["carrier"],
            "tracking_no": record["tracking_no"],
            "status": record["status"],
            "shipped_at": record.get("shipped_at"),
            "delivered_at": record.get("delivered_at"),
        }

    def summary(shipment: Shipment) -> dict[str, Any]:
        return {"events": len(shipment.events)}

    kind = ParentKind(Shipment, "shipment", "events", fields, _merge_events, summary)
    return await _upsert_parents(session, actor, kind, records, audit=audit)


async def do_upsert_coupons(
    session: AsyncSession, actor: Actor, records: Sequence[Mapping[str, Any]]
) -> UpsertResult:
    """Coupons by code. ``customer_external_id`` ties a coupon to one customer."""
    check_batch(actor, "coupon", records, "code")
    customer_ids = await resolve_external_ids(
        session,
        actor,
        Customer,
        (r.get("customer_external_id") for r in records),
        "customer_external_id",
    )
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if k != "customer_external_id"}
        customer = record.get("customer_external_id")
        row["customer_id"] = customer_ids[customer] if customer else None
        rows.append(row)
    return await upsert_by_key(session, actor, Coupon, "coupon", rows, key="code")
