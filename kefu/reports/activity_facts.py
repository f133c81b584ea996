"""Facts of activity outside conversations (docs/kpis.md): agents' online time, counted
in whole UTC hours so staffing charts put each hour where it was worked, and widget
visits, one per visitor and shop-local day."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from kefu.db import any_row
from kefu.models import Agent, Presence, Visitor
from kefu.models.reports import ReportKind
from kefu.reports.facts import record_fact
from kefu.reports.periods import shop_zone
from kefu.reports.rollup import hour_of

HOUR = timedelta(hours=1)


def online_facts(
    session: AsyncSession, shop_id: int, agent_id: int, start: datetime, end: datetime
) -> None:
    """AGENT_ONLINE for the agent from ``start`` to ``end``: one fact per UTC hour it
    touches, valued the seconds of that hour (a shift of eight hours is eight facts)."""
    moment, counted = start, 0
    while moment < end:
        stop = min(hour_of(moment) + HOUR, end)
        # Whole seconds since ``start``, less those counted: the pieces add up exactly.
        upto = int((stop - start).total_seconds())
        seconds, counted = upto - counted, upto
        if seconds > 0:
            record_fact(
                session,
                shop_id,
                ReportKind.AGENT_ONLINE,
                value=seconds,
                occurred_at=moment,
                agent_id=agent_id,
            )
        moment = stop


async def presence_changed(
    session: AsyncSession, agent: Agent, before: Presence, after: Presence, at: datetime
) -> None:
    """Going online starts the uncounted stretch; leaving online counts what is left of
    it. The stretch's start moves with a compare-and-swap, as in ``count_online_hours``:
    whichever of the two comes second counts from where the first one stopped."""
    new = at if after is Presence.ONLINE else None
    while True:
        since = await session.scalar(select(Agent.presence_since).where(Agent.id == agent.id))
        same = Agent.presence_since.is_(None) if since is None else Agent.presence_since == since
        moved = await session.scalar(
            update(Agent)
            .where(Agent.id == agent.id, same)
            .values(presence_since=new)
            .returning(Agent.id)
            .execution_options(synchronize_session=False)
        )
        if moved is not None:
            break
    set_committed_value(agent, "presence_since", new)
    if before is Presence.ONLINE and since is not None:
        online_facts(session, agent.shop_id, agent.id, since, at)


async def count_online_hours(session: AsyncSession, now: datetime) -> int:
    """Count the finished hours of agents still online (the worker, at every poll), so
    today's figures need no one to go offline first. Each agent's stretch moves on with
    a compare-and-swap, so two workers (or a presence change) never count it twice. The
    caller commits; returns how many agents were counted."""
    hour = hour_of(now)
    # Online since before this version counted online time: counted from now on.
    uncounted = (Agent.presence == Presence.ONLINE, Agent.presence_since.is_(None))
    if await any_row(session, Agent, *uncounted):
        await session.execute(
            update(Agent)
            .where(*uncounted)
            .values(presence_since=now)
            .execution_options(synchronize_session=False)
        )
    stretches = (
        await session.execute(
            select(Agent.id, Agent.shop_id, Agent.presence_since).where(
                Agent.presence == Presence.ONLINE, Agent.presence_since < hour
            )
        )
    ).all()
    counted = 0
    for agent_id, shop_id, since in stretches:
        moved = await session.scalar(
            update(Agent)
            .where(
                Agent.id == agent_id,
                Agent.presence == Presence.ONLINE,
                Agent.presence_since == since,
            )
            .values(presence_since=hour)
            .returning(Agent.id)
            .execution_options(synchronize_session=False)
        )
        if moved is not None:
            online_facts(session, shop_id, agent_id, since, hour)
            counted += 1
    return counted


def visit_facts(
    session: AsyncSession, visitor: Visitor, seen_before: datetime | None, zone_name: str | None
) -> None:
    """VISIT when the widget loads for a visitor not seen yet today (the shop's day)."""
    now = visitor.last_seen_at
    zone = shop_zone(zone_name)
    if (
        seen_before is not None
        and seen_before.astimezone(zone).date() == now.astimezone(zone).date()
    ):
        return
    record_fact(session, visitor.shop_id, ReportKind.VISIT, occurred_at=now)
