"""Folding report events into hourly rollups.

One statement claims a batch: ``UPDATE … SET folded = true WHERE id IN (unfolded … FOR
UPDATE SKIP LOCKED) AND NOT folded RETURNING …``. Two workers never fold the same event:
on SQLite writers take turns; on PostgreSQL the second one skips the rows the first has
locked (waiting for them instead, in whatever order each plan visits them, deadlocked two
workers now and then), and its re-check of ``NOT folded`` skips rows the first committed.
The sums are upserted in the same transaction, in key order, so two workers adding to the
same hours lock those rollup rows in one order; a crash loses nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.db import any_row
from kefu.models.reports import UNFOLDED, ReportEvent, ReportRollup

BATCH = 5000

RollupKey = tuple[int, datetime, str, int, int, str, str, str, str]
# The fact columns a rollup is keyed by besides shop, hour and kind, in key order.
DIMENSIONS = (
    ReportEvent.agent_id,
    ReportEvent.team_id,
    ReportEvent.channel,
    ReportEvent.stage,
    ReportEvent.intent,
    ReportEvent.segment,
)
KEY_COLUMNS = (
    "shop_id", "hour", "kind", "agent_id", "team_id", "channel", "stage", "intent", "segment"
)  # fmt: skip


def hour_of(moment: datetime) -> datetime:
    """The UTC hour a moment falls in: the rollups' bucket."""
    return moment.replace(minute=0, second=0, microsecond=0)


def rollup_key(
    shop_id: int,
    occurred_at: datetime,
    kind: str,
    agent_id: int | None,
    team_id: int | None,
    channel: str | None,
    stage: str | None = None,
    intent: str | None = None,
    segment: str | None = None,
) -> RollupKey:
    """The rollup row an event adds to (0 and "" stand for no agent or team, and for an
    unknown channel, stage, intent or segment)."""
    return (
        shop_id,
        hour_of(occurred_at),
        kind,
        agent_id or 0,
        team_id or 0,
        channel or "",
        stage or "",
        intent or "",
        segment or "",
    )


async def _claim(session: AsyncSession, batch: int) -> list[tuple]:
    unfolded = (
        select(ReportEvent.id)
        .where(UNFOLDED)  # the partial index's predicate: it is used
        .order_by(ReportEvent.id)
        .limit(batch)
        .with_for_update(skip_locked=True)  # nothing on SQLite, where writers take turns
    )
    result = await session.execute(
        update(ReportEvent)
        .where(ReportEvent.id.in_(unfolded), UNFOLDED)
        .values(folded=True)
        .returning(
            ReportEvent.shop_id,
            ReportEvent.occurred_at,
            ReportEvent.kind,
            *DIMENSIONS,
            ReportEvent.value,
        )
        .execution_options(synchronize_session=False)
    )
    return list(result.all())


async def add_to_rollups(
    session: AsyncSession, counts: Counter[RollupKey], totals: Counter[RollupKey]
) -> None:
    """Add counts and totals to their rollup rows, creating the rows that are missing."""
    if not counts:
        return
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [
        dict(
            zip(KEY_COLUMNS, key, strict=True),
            count=counts[key],
            total=totals[key],
        )
        for key in sorted(counts)  # one lock order for every worker
    ]
    statement = dialect_insert(ReportRollup)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={
                "count": ReportRollup.count + statement.excluded.count,
                "total": ReportRollup.total + statement.excluded.total,
            },
        ),
        rows,
    )


async def fold_once(session: AsyncSession, batch: int = BATCH) -> int:
    """Fold up to ``batch`` unfolded events; the caller commits. Returns how many."""
    events = await _claim(session, batch)
    counts: Counter[RollupKey] = Counter()
    totals: Counter[RollupKey] = Counter()
    for *dims, value in events:
        key = rollup_key(*dims)
        counts[key] += 1
        totals[key] += value
    await add_to_rollups(session, counts, totals)
    return len(events)


async def fold_all(session: AsyncSession, batch: int = BATCH) -> int:
    """Fold every unfolded event, committing each batch (a long backlog never holds one
    huge transaction, and a crash keeps what was committed). Returns how many."""
    if not await any_row(session, ReportEvent, UNFOLDED):  # most polls: no write lock taken
        return 0
    folded = 0
    while True:
        done = await fold_once(session, batch)
        await session.commit()
        folded += done
        if done < batch:
            return folded
