"""Reading the replay log for the realtime hub."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

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
    return [{"type": "event", "id": i, "name": n, "data": p} for i, n, p in rows]


async def last_event_id(session: AsyncSession) -> int:
    """The newest id in the log (0 when empty): where a client with no history starts."""
    return await session.scalar(select(func.coalesce(func.max(StreamEvent.id), 0))) or 0


async def oldest_event_id(session: AsyncSession) -> int:
    """The oldest id the log may still hold: 1 until the cleanup (kefu/worker/cleanup.py)
    deleted rows, then one above the highest deleted id. A client resuming from below
    ``oldest - 1`` may have missed events and must reload."""
    pruned = await session.scalar(select(StreamHorizon.pruned_through).where(StreamHorizon.id == 1))
    return (pruned or 0) + 1
