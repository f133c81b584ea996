"""Reading the replay log for the realtime hub."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.lib.frames import event_frame
from kefu.models import StreamEvent, StreamHorizon


async def events_after(
    session: AsyncSession, streams: Iterable[str], after_id: int, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` events of ``streams`` with an id above ``after_id``, oldest first,
    as the frames the hub sends."""
    rows = await session.execute(
        select(StreamEvent.id, StreamEvent.name, StreamEvent.payload)
        .where(StreamEvent.stream.in_(list(streams)), StreamEvent.id > after_id)
        .order_by(StreamEvent.id)
        .limit(limit)
    )
    return [event_frame(*row) for row in rows]


async def shop_events_after(
    session: AsyncSession, shop_id: int, after_id: int, limit: int
) -> list[tuple[str, dict[str, Any]]]:
    """Up to ``limit`` events of every stream of the shop after ``after_id``, oldest
    first, each with its stream: what one shop's live feed hands to its sockets."""
    rows = await session.execute(
        select(StreamEvent.stream, StreamEvent.id, StreamEvent.name, StreamEvent.payload)
        .where(StreamEvent.shop_id == shop_id, StreamEvent.id > after_id)
        .order_by(StreamEvent.id)
        .limit(limit)
    )
    return [(stream, event_frame(i, n, p)) for stream, i, n, p in rows]


# The shop's newest id in the log (NULL when none), for ``:shop``.
NEWEST_EVENT = select(func.max(StreamEvent.id)).where(StreamEvent.shop_id == bindparam("shop"))
# The shop's newest id below ``:before`` (NULL when none).
NEWEST_EVENT_BEFORE = NEWEST_EVENT.where(StreamEvent.id < bindparam("before"))


async def last_event_id(session: AsyncSession, shop_id: int) -> int:
    """The shop's newest id in the log (0 when none): where a client with no history
    starts. Per shop, because only within a shop do ids become visible in order."""
    return await session.scalar(NEWEST_EVENT, {"shop": shop_id}) or 0


async def oldest_event_id(session: AsyncSession) -> int:
    """The oldest id the log may still hold: 1 until the cleanup (kefu/worker/cleanup.py)
    deleted rows, then one above the highest deleted id. A client resuming from below
    ``oldest - 1`` may have missed events and must reload."""
    pruned = await session.scalar(select(StreamHorizon.pruned_through).where(StreamHorizon.id == 1))
    return (pruned or 0) + 1
