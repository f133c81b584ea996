"""Keyset (cursor) pagination by ascending or descending id.

A cursor is an opaque string so clients cannot rely on it being an offset; it stays valid
while rows are inserted, unlike OFFSET paging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.errors import Invalid
from kefu.models.base import MAX_ID

T = TypeVar("T")
MAX_LIMIT = 200


@dataclass(slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = raw.split(":", 1)
        last_id = int(value)
        if kind != "id" or not 0 < last_id <= MAX_ID:
            raise ValueError(raw)
        return last_id
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Invalid("cursor is not one this API gave out", field="cursor") from exc


def id_filter(row_id: int | None, field: str) -> int | None:
    """A filter by a Kefu id, refused when no row can have it: the database would fail
    on a number beyond its integer range rather than simply match nothing."""
    if row_id is not None and not 0 < row_id <= MAX_ID:
        raise Invalid(f"{field} is not an id Kefu gives out", field=field)
    return row_id


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    id_column: Any,
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
) -> Page[Any]:
    """Run ``stmt`` for one page after ``cursor``; ``id_column`` orders the pages."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if cursor:
        last = decode_cursor(cursor)
        stmt = stmt.where(id_column < last if newest_first else id_column > last)
    stmt = stmt.order_by(id_column.desc() if newest_first else id_column).limit(limit + 1)
    rows = list((await session.scalars(stmt)).unique().all())
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if more and rows else None
    return Page(rows, next_cursor)
