"""Products, customers and shipments files: one record per row (shipments: one row per
tracking event, grouped by ``external_id``), checked row by row.

These files are catalog-sized (thousands of rows), so plain Python per row is clearer
than vectorised code and fast enough."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from kefu.importing.fields import MAX_BIGINT, MAX_COUNT, column_lengths, require_columns
from kefu.importing.reader import LINE
from kefu.lib.money import decimal_to_cents
from kefu.lib.times import parse_local_time
from kefu.models import Customer, Product, Shipment, ShipmentStatus, TrackingEvent

PRODUCT_FIELDS = (
    "external_id",
    "sku",
    "title",
    "category",
    "price",
    "price_cents",
    "stock",
    "attributes",
    "url",
    "image_url",
)
CUSTOMER_FIELDS = (
    "external_id",
    "name",
    "nickname",
    "phone",
    "email",
    "country",
    "birthday",
    "member_level",
    "tags",
    "note",
    "identities",
)
SHIPMENT_FIELDS = (
    "external_id",
    "order_external_id",
    "carrier",
    "tracking_no",
    "status",
    "shipped_at",
    "delivered_at",
    "event_at",
    "event_status",
    "event_location",
    "event_description",
)
LIST_SEPARATORS = str.maketrans({"，": ",", ";": ",", "；": ","})


class RowError(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class PreparedRecords:
    records: list[dict[str, Any]]
    problems: pl.DataFrame
    lines_read: int
    # Lines each record came from, to report a problem found later (e.g. unknown order).
    lines_of: list[list[int]] = field(default_factory=list)


def _text(row: Mapping[str, Any], name: str, *, required: str | None = None) -> str | None:
    value = row.get(name)
    if value is None and required:
        raise RowError(name, required)
    return value


def _convert(row: Mapping[str, Any], name: str, convert: Callable[[str], Any]) -> Any:
    value = row.get(name)
    if value is None:
        return None
    try:
        return convert(value)
    except ValueError as exc:
        raise RowError(name, str(exc)) from None


def _whole(text: str) -> int:
    try:
        return int(text.removesuffix(".0"))
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.translate(LIST_SEPARATORS).split(",") if part.strip()]


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError('is not JSON such as {"材质": "纯棉"}') from None
    if not isinstance(value, dict):
        raise ValueError('must be a JSON object such as {"材质": "纯棉"}')
    return value


def _identities(text: str) -> list[dict[str, str]]:
    identities = []
    for part in _split(text):
        channel, sep, handle = part.partition(":")
        if not sep or not channel.strip() or not handle.strip():
            raise ValueError(f"{part!r} is not channel:handle such as taobao:zhangwei_tb")
        identities.append({"channel": channel.strip(), "handle": handle.strip()})
    return identities


def _status(enum: type[ShipmentStatus]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return enum(text)
        except ValueError:
            known = ", ".join(s.value for s in enum)
            raise ValueError(f"unknown status {text!r} (use one of {known})") from None

    return convert


def product_record(row: Mapping[str, Any], _tz: ZoneInfo) -> dict[str, Any]:
    external_id = _text(row, "external_id", required="missing external id")
    if row.get("price_cents") is not None:
        price = _convert(row, "price_cents", _whole)
    else:
        price = _convert(row, "price", decimal_to_cents)
    if price is None:
        raise RowError("price", "missing price")
    if price < 0:
        raise RowError("price", "negative price")
    if price > MAX_BIGINT:
        raise RowError("price", "too large")
    stock = _convert(row, "stock", _whole) or 0
    if stock < 0:
        raise RowError("stock", "negative stock")
    if stock > MAX_COUNT:
        raise RowError("stock", f"larger than {MAX_COUNT}")
    return {
        "external_id": external_id,
        "sku": row.get("sku") or external_id,
        "title": _text(row, "title", required="missing title"),
        "category": row.get("category"),
        "price_cents": price,
        "stock": stock,
        "attributes": _convert(row, "attributes", _json_object) or {},
        "url": row.get("url"),
        "image_url": row.get("image_url"),
    }


def customer_record(row: Mapping[str, Any], _tz: ZoneInfo) -> dict[str, Any]:
    email = row.get("email")
    if email is not None and "@" not in email:
        raise RowError("email", f"{email!r} is not an e-mail address")
    return {
        "external_id": _text(row, "external_id", required="missing external id"),
        "name": row.get("name"),
        "nickname": row.get("nickname"),
        "phone": row.get("phone"),
        "email": email,
        "country": row.get("country"),
        "birthday": _convert(row, "birthday", date.fromisoformat),
        "member_level": row.get("member_level"),
        "tags": _convert(row, "tags", _split) or [],
        "note": row.get("note"),
        "identities": _convert(row, "identities", _identities) or [],
    }


def shipment_record(row: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    def when(name: str) -> Any:
        return _convert(row, name, lambda t: parse_local_time(t, tz))

    record = {
        "external_id": _text(row, "external_id", required="missing external id"),
        "order_external_id": _text(row, "order_external_id", required="missing order number"),
        "carrier": _text(row, "carrier", required="missing carrier"),
        "tracking_no": _text(row, "tracking_no", required="missing tracking number"),
        "status": _convert(row, "status", _status(ShipmentStatus)) or ShipmentStatus.PENDING,
        "shipped_at": when("shipped_at"),
        "delivered_at": when("delivered_at"),
        "events": [],
    }
    if row.get("event_at") is not None:
        record["events"].append(
            {
                "at": when("event_at"),
                "status": _convert(row, "event_status", _status(ShipmentStatus))
                or record["status"],
                "location": row.get("event_location"),
                "description": _text(
                    row, "event_description", required="missing event description"
                ),
            }
        )
    return record


LENGTHS = {
    "products": column_lengths(Product),
    "customers": column_lengths(Customer),
    "shipments": column_lengths(Shipment)
    | column_lengths(TrackingEvent, prefix="event_")
    | {"order_external_id": 64},
}

KINDS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...], Callable[..., Any]]] = {
    "products": (
        PRODUCT_FIELDS,
        (("external_id",), ("title",), ("price", "price_cents")),
        product_record,
    ),
    "customers": (CUSTOMER_FIELDS, (("external_id",),), customer_record),
    "shipments": (
        SHIPMENT_FIELDS,
        (("external_id",), ("order_external_id",), ("carrier",), ("tracking_no",)),
        shipment_record,
    ),
}


def prepare_records(kind: str, table: pl.DataFrame, tz: ZoneInfo) -> PreparedRecords:
    """Check every row; rows of the same ``external_id`` are merged (the first row's fields,
    every row's tracking events) so a file may list a shipment once per event."""
    _fields, required, convert = KINDS[kind]
    require_columns(table, required, kind)
    merged: dict[str, dict[str, Any]] = {}
    lines_of: dict[str, list[int]] = {}
    problems: list[tuple[int, str, str]] = []
    for row in table.iter_rows(named=True):
        try:
            _check_lengths(row, LENGTHS[kind])
            record = convert(row, tz)
        except RowError as exc:
            problems.append((row[LINE], exc.field, exc.reason))
            continue
        key = record["external_id"]
        if key in merged:
            if kind != "shipments":
                problems.append((row[LINE], "external_id", f"{key!r} appears on an earlier line"))
                continue
            merged[key]["events"].extend(record["events"])
        else:
            merged[key] = record
        lines_of.setdefault(key, []).append(row[LINE])
    return PreparedRecords(
        list(merged.values()),
        problem_frame(problems),
        table.height,
        [lines_of[key] for key in merged],
    )


def _check_lengths(row: Mapping[str, Any], lengths: Mapping[str, int]) -> None:
    for name, length in lengths.items():
        value = row.get(name)
        if value is not None and len(value) > length:
            raise RowError(name, f"longer than {length} characters")


def problem_frame(problems: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        problems, schema={"line": pl.Int64, "field": pl.String, "reason": pl.String}, orient="row"
    )


def drop_unknown_references(
    prepared: PreparedRecords, field_name: str, known: Collection[str]
) -> PreparedRecords:
    """Move records that name an unknown ``field_name`` to the problems (per line)."""
    keep, lines_kept, problems = [], [], []
    for record, lines in zip(prepared.records, prepared.lines_of, strict=True):
        value = record[field_name]
        if value in known:
            keep.append(record)
            lines_kept.append(lines)
        else:
            problems += [(line, field_name, f"unknown {field_name} {value!r}") for line in lines]
    frame = pl.concat([prepared.problems, problem_frame(problems)]).sort("line")
    return PreparedRecords(keep, frame, prepared.lines_read, lines_kept)
