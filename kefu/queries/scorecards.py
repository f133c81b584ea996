"""Reading scorecards: one, a filtered list, a review sample, scores over time.

Who sees what: supervisors, owners, analysts and API keys every scorecard of their shop;
an agent only their own (docs/quality.md#scorecards)."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Forbidden, Invalid
from kefu.models import Agent, Shop, Team, TeamMember
from kefu.models.quality import Scorecard, ScorecardStatus
from kefu.queries.access import fetch_owned
from kefu.queries.pagination import Page, id_filter, paginate

MAX_DAYS = 366
Bucket = Literal["day", "week"]
By = Literal["agent", "team"]


def sees_all(actor: Actor) -> bool:
    """Supervisors (and owners), analysts and keys see every agent's scorecards."""
    return actor.can(Permission.SUPERVISE_CONVERSATIONS) or actor.can(Permission.VIEW_REPORTS)


def _require_reader(actor: Actor) -> None:
    if not (sees_all(actor) or actor.can(Permission.HANDLE_CONVERSATIONS)):
        raise Forbidden("your role may not read scorecards")


async def load_scorecard(session: AsyncSession, actor: Actor, scorecard_id: int) -> Scorecard:
    """One scorecard of the actor's shop (404 otherwise); an agent's own only (403)."""
    _require_reader(actor)
    card = await fetch_owned(session, actor, Scorecard, scorecard_id, "scorecard", permission=None)
    if not sees_all(actor) and card.agent_id != actor.id:
        raise Forbidden("an agent sees only their own scorecards")
    return card


def _scoped(actor: Actor) -> Select[Any]:
    _require_reader(actor)
    stmt = select(Scorecard).where(
        Scorecard.shop_id == actor.shop_id, Scorecard.status != ScorecardStatus.PENDING
    )
    if not sees_all(actor):
        stmt = stmt.where(Scorecard.agent_id == actor.id)
    return stmt


@dataclass(frozen=True, slots=True)
class Period:
    """Shop-local days ``since`` … ``until`` (both included) as UTC instants."""

    since: date
    until: date
    start: datetime
    end: datetime


async def shop_zone(session: AsyncSession, actor: Actor) -> ZoneInfo:
    return ZoneInfo(await session.scalar(select(Shop.timezone).where(Shop.id == actor.shop_id)))


async def period(
    session: AsyncSession, actor: Actor, since: date | None, until: date | None, *, days: int = 30
) -> Period:
    """The days asked for in the shop's time zone (default: the last ``days`` days)."""
    zone = await shop_zone(session, actor)
    until = until or datetime.now(zone).date()
    since = since or until - timedelta(days=days - 1)
    if since > until:
        raise Invalid("since is after until", field="since")
    if (until - since).days >= MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days", field="since")
    start = datetime.combine(since, time(), zone)
    end = datetime.combine(until + timedelta(days=1), time(), zone)
    return Period(since, until, start, end)


def _in(stmt: Select[Any], span: Period) -> Select[Any]:
    return stmt.where(Scorecard.closed_at >= span.start, Scorecard.closed_at < span.end)


def _team_agents(team_id: int) -> Any:
    return select(TeamMember.agent_id).where(TeamMember.team_id == team_id)


async def list_scorecards(
    session: AsyncSession,
    actor: Actor,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    below: int | None = None,
    status: ScorecardStatus | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Scorecard]:
    """Scorecards newest first, filtered; without dates, every period."""
    stmt = _scoped(actor)
    if id_filter(agent_id, "agent_id") is not None:
        stmt = stmt.where(Scorecard.agent_id == agent_id)
    if id_filter(team_id, "team_id") is not None:
        stmt = stmt.where(Scorecard.agent_id.in_(_team_agents(team_id)))
    if since or until:
        stmt = _in(stmt, await period(session, actor, since, until))
    if below is not None:
        stmt = stmt.where(Scorecard.score < below)
    if status is not None:
        stmt = stmt.where(Scorecard.status == status)
    return await paginate(
        session, stmt, Scorecard.id, cursor=cursor, limit=limit, newest_first=True
    )


async def review_sample(
    session: AsyncSession, actor: Actor, *, week_of: date | None, per_agent: int
) -> tuple[Period, list[Scorecard]]:
    """``per_agent`` scorecards of each agent from the shop-local week (Monday to Sunday)
    holding ``week_of``, drawn at random but the same draw for the same shop and week,
    so a supervisor working through it finds the same cards on every visit."""
    if not sees_all(actor):
        raise Forbidden("the review sample is for supervisors")
    day = week_of or datetime.now(await shop_zone(session, actor)).date()
    monday = day - timedelta(days=day.weekday())
    span = await period(session, actor, monday, monday + timedelta(days=6))
    cards = list(await session.scalars(_in(_scoped(actor), span).order_by(Scorecard.id)))
    seed = hashlib.sha256(f"{actor.shop_id}:{monday.isoformat()}".encode()).hexdigest()
    draw = random.Random(seed)  # a review sample, not a secret
    by_agent: dict[int | None, list[Scorecard]] = defaultdict(list)
    for card in cards:
        by_agent[card.agent_id].append(card)
    chosen = [
        card
        for agent in sorted(by_agent, key=lambda a: a or 0)
        for card in draw.sample(by_agent[agent], min(per_agent, len(by_agent[agent])))
    ]
    return span, sorted(chosen, key=lambda card: card.id)


@dataclass(frozen=True, slots=True)
class Point:
    start: date  # the day, or the Monday of the week
    group_id: int | None  # the agent or team
    name: str
    scorecards: int
    average: float


def week_starts(span: Period) -> list[tuple[date, datetime]]:
    """The Monday-started weeks of ``span`` with the instant each ends."""
    return _buckets(span, "week")


def _buckets(span: Period, bucket: Bucket) -> list[tuple[date, datetime]]:
    """Each day (or Monday-started week) of ``span`` with the instant it ends, in the
    shop's time zone: computed here so that SQLite and PostgreSQL cut the same days, a
    daylight-saving change included."""
    zone = span.start.tzinfo
    first = span.since - timedelta(days=span.since.weekday()) if bucket == "week" else span.since
    step = timedelta(days=7 if bucket == "week" else 1)
    starts: list[date] = []
    day = first
    while day <= span.until:
        starts.append(day)
        day += step
    return [(start, datetime.combine(start + step, time(), zone)) for start in starts]


async def score_trends(
    session: AsyncSession,
    actor: Actor,
    *,
    by: By,
    bucket: Bucket,
    since: date | None,
    until: date | None,
) -> tuple[Period, list[Point]]:
    """The average score per agent (or team, an agent counting in each of their teams)
    per day or week; an agent sees their own line only.

    One aggregate query, whatever the number of scorecards: a CASE gives each card the
    index of its day or week (the boundaries are bound parameters), and the database
    groups by it and by the agent or team, with the names joined in."""
    span = await period(session, actor, since, until, days=8 * 7 if bucket == "week" else 30)
    buckets = _buckets(span, bucket)
    index = case(
        *((Scorecard.closed_at < end, position) for position, (_s, end) in enumerate(buckets))
    ).label("bucket")
    if by == "agent":
        group_id, name = Scorecard.agent_id, Agent.display_name
        joined = _scoped(actor).outerjoin(Agent, Agent.id == Scorecard.agent_id)
    else:
        group_id, name = Team.id, Team.name
        joined = (
            _scoped(actor)
            .join(TeamMember, TeamMember.agent_id == Scorecard.agent_id)
            .join(Team, Team.id == TeamMember.team_id)
        )
    stmt = (
        _in(joined, span)
        .with_only_columns(
            index, group_id, name, func.count(Scorecard.id), func.avg(Scorecard.score)
        )
        .group_by(index, group_id, name)
        .order_by(index, group_id)
    )
    rows = await session.execute(stmt)
    points = [
        Point(buckets[position][0], group, label or "", count, round(float(average), 1))
        for position, group, label, count, average in rows
    ]
    return span, points
