"""Reading reported figures: the sums of the rollups over a period, plus the events not
yet folded, so a dashboard is live and still never scans messages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.reports import UNFOLDED, ReportEvent, ReportRollup
from kefu.reports.rollup import DIMENSIONS, hour_of

Dimension = Literal[
    "kind", "hour", "agent_id", "team_id", "channel", "stage", "intent", "segment"
]  # fmt: skip
LABELS = ("channel", "stage", "intent", "segment")  # the text dimensions, "" for none
# The filterable dimensions: a Scope's field of wanted values for each fact column.
FILTERED: tuple[tuple[str, str], ...] = (
    ("agent_ids", "agent_id"),
    ("team_ids", "team_id"),
    ("channels", "channel"),
    ("stages", "stage"),
    ("intents", "intent"),
    ("segments", "segment"),
)


@dataclass(slots=True)
class Total:
    """How many events, and the sum of their values (seconds, cents, stars …)."""

    count: int = 0
    total: int = 0

    def add(self, count: int, total: int) -> None:
        self.count += count
        self.total += total


@dataclass(frozen=True, slots=True)
class Scope:
    """Which facts count: a shop over [start, end) in whole UTC hours, optionally only
    some agents, teams, channels, stages, intents and customer segments (an empty filter
    is no filter; a fact whose dimension is unknown passes no filter on it)."""

    shop_id: int
    start: datetime
    end: datetime
    agent_ids: Collection[int] = ()
    team_ids: Collection[int] = ()
    channels: Collection[str] = ()
    stages: Collection[str] = ()
    intents: Collection[str] = ()
    segments: Collection[str] = ()

    def __post_init__(self) -> None:
        if hour_of(self.start) != self.start or hour_of(self.end) != self.end:
            raise ValueError("a report period starts and ends on whole hours")


def _filters(model: type[ReportRollup] | type[ReportEvent], scope: Scope, kinds: Collection[str]):
    where = [model.shop_id == scope.shop_id]
    if kinds:
        where.append(model.kind.in_(list(kinds)))
    for field, column in FILTERED:
        wanted = getattr(scope, field)
        if wanted:
            where.append(getattr(model, column).in_(list(wanted)))
    return where


async def read_totals(
    session: AsyncSession,
    scope: Scope,
    *,
    kinds: Collection[str] = (),
    group_by: Sequence[Dimension] = ("kind",),
) -> dict[tuple, Total]:
    """Totals of the scope's facts grouped by ``group_by`` (a tuple key in that order;
    "hour" is the UTC hour, agent and team 0 and the other dimensions "" for none)."""
    totals: dict[tuple, Total] = defaultdict(Total)
    columns = [getattr(ReportRollup, d) for d in group_by]
    rollups = await session.execute(
        select(*columns, func.sum(ReportRollup.count), func.sum(ReportRollup.total))
        .where(
            *_filters(ReportRollup, scope, kinds),
            ReportRollup.hour >= scope.start,
            ReportRollup.hour < scope.end,
        )
        .group_by(*columns)
    )
    for *key, count, total in rollups.all():
        totals[tuple(key)].add(int(count), int(total))
    unfolded = await session.execute(
        select(ReportEvent.kind, ReportEvent.occurred_at, *DIMENSIONS, ReportEvent.value).where(
            *_filters(ReportEvent, scope, kinds),
            # Spelled as the partial index's predicate (NOT folded), so both databases
            # read the few unfolded facts from it instead of the period's millions.
            UNFOLDED,
            ReportEvent.occurred_at >= scope.start,
            ReportEvent.occurred_at < scope.end,
        )
    )
    for kind, occurred_at, agent_id, team_id, *labels, value in unfolded.all():
        dims = {
            "kind": kind,
            "hour": hour_of(occurred_at),
            "agent_id": agent_id or 0,
            "team_id": team_id or 0,
            **{name: label or "" for name, label in zip(LABELS, labels, strict=True)},
        }
        totals[tuple(dims[d] for d in group_by)].add(1, value)
    return dict(totals)
