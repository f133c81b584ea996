"""The replay log's promise to live feeds: within a shop, rows become visible in id order,
so a feed that has read up to id H never later finds a row below H. Many transactions of
one shop commit at once (as several server processes' group commits do) while a feed
reads behind them the way ``ShopFeed`` does; it must see every row exactly once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from kefu.actions.streams import emit
from kefu.events import ShopDataChanged
from kefu.models import StreamEvent
from kefu.queries.streams import shop_events_after

WRITERS = 8
COMMITS = 15
EVENTS_PER_COMMIT = 3


async def test_a_feed_reading_behind_concurrent_commits_misses_no_row(sessionmaker, owen):
    async with sessionmaker() as session:
        head = await session.scalar(select(func.coalesce(func.max(StreamEvent.id), 0))) or 0
    writing = True

    async def writer(n: int) -> None:
        for commit in range(COMMITS):
            async with sessionmaker() as session:
                for k in range(EVENTS_PER_COMMIT):
                    payload = {"writer": n, "commit": commit, "k": k}
                    event = ShopDataChanged(owen.shop_id, payload, frozenset({"shop:order"}))
                    await emit(session, event)
                await session.commit()

    async def feed() -> list[int]:
        seen, cursor = [], head
        while True:
            done = not writing  # read once more after the last commit
            async with sessionmaker() as session:
                rows = await shop_events_after(session, owen.shop_id, cursor, 500)
            seen += [frame["id"] for _stream, frame in rows]
            cursor = seen[-1] if seen else cursor
            if done and not rows:
                return seen
            await asyncio.sleep(0)

    reader = asyncio.create_task(feed())
    await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    writing = False
    seen = await reader
    async with sessionmaker() as session:
        stored = list(
            await session.scalars(
                select(StreamEvent.id)
                .where(StreamEvent.shop_id == owen.shop_id, StreamEvent.id > head)
                .order_by(StreamEvent.id)
            )
        )
    assert len(stored) == WRITERS * COMMITS * EVENTS_PER_COMMIT
    assert seen == stored  # every row, once, in id order: none passed over
