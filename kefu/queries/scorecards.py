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

from sqlalchemy import Select, select
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


async def _names(session: AsyncSession, actor: Actor, by: By) -> dict[int, str]:
    if by == "agent":
        rows = await session.execute(
            select(Agent.id, Agent.display_name).where(Agent.shop_id == actor.shop_id)
        )
    else:
        rows = await session.execute(
            select(Team.id, Team.name).where(Team.shop_id == actor.shop_id)
        )
    return {row_id: name for row_id, name in rows}


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
    per day or week; an agent sees their own line only."""
    span = await period(session, actor, since, until, days=8 * 7 if bucket == "week" else 30)
    zone = span.start.tzinfo
    stmt = _in(_scoped(actor), span).with_only_columns(
        Scorecard.agent_id, Scorecard.score, Scorecard.closed_at
    )
    rows = (await session.execute(stmt)).all()
    teams: dict[int, list[int]] = defaultdict(list)
    if by == "team":
        members = await session.execute(
            select(TeamMember.agent_id, TeamMember.team_id).where(
                TeamMember.shop_id == actor.shop_id
            )
        )
        for agent_id, team_id in members:
            teams[agent_id].append(team_id)
    sums: dict[tuple[date, int | None], list[int]] = defaultdict(list)
    for agent_id, value, closed_at in rows:
        day = closed_at.astimezone(zone).date()
        start = day - timedelta(days=day.weekday()) if bucket == "week" else day
        groups = [agent_id] if by == "agent" else teams.get(agent_id, [])
        for group in groups:
            sums[start, group].append(value)
    names = await _names(session, actor, by)
    points = [
        Point(
            start,
            group,
            names.get(group or 0, ""),
            len(values),
            round(sum(values) / len(values), 1),
        )
        for (start, group), values in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
    ]
    return span, points
