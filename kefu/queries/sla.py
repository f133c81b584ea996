"""Reading SLAs: the shop's policies, attainment (the share of targets met) per period
and per agent, for the supervisors' report and the analytics to come, and who may take
over a breached case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.lib.cases import FINISHED
from kefu.lib.sla import Candidate, SlaState
from kefu.models import Agent, Case, Presence, Role, SlaPolicy, TeamMember
from kefu.models.base import utcnow

DEFAULT_PERIOD = timedelta(days=30)


async def list_sla_policies(session: AsyncSession, actor: Actor) -> list[SlaPolicy]:
    """The shop's policies, in the order they were added."""
    actor.require(Permission.READ_SHOP_DATA)
    rows = await session.scalars(
        select(SlaPolicy).where(SlaPolicy.shop_id == actor.shop_id).order_by(SlaPolicy.id)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class Attainment:
    """Targets settled in a period: met in time, and breached (met late or overdue)."""

    agent_id: int | None  # None: the whole shop
    first_response_met: int
    first_response_breached: int
    resolve_met: int
    resolve_breached: int

    @staticmethod
    def _percent(met: int, breached: int) -> float | None:
        return round(100 * met / (met + breached), 1) if met + breached else None

    @property
    def first_response_percent(self) -> float | None:
        return self._percent(self.first_response_met, self.first_response_breached)

    @property
    def resolve_percent(self) -> float | None:
        return self._percent(self.resolve_met, self.resolve_breached)


def _count(column: object, state: SlaState) -> object:
    return func.coalesce(func.sum(when((column == state, 1), else_=0)), 0)


async def sla_attainment(
    session: AsyncSession,
    actor: Actor,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    per_agent: bool = False,
) -> list[Attainment]:
    """Attainment of the cases opened in ``[start, end)`` (by default the last 30 days):
    the shop's as one row, or one row per assigned agent (None: unassigned cases). A
    breached target counts as soon as it is breached; a running one counts once met."""
    actor.require(Permission.READ_SHOP_DATA)
    end = end or utcnow()
    start = start or end - DEFAULT_PERIOD
    if end <= start:
        raise Invalid("the period must end after it starts", field="end")
    agent = Case.assigned_agent_id if per_agent else None
    columns = [
        _count(Case.first_response_sla, SlaState.MET),
        _count(Case.first_response_sla, SlaState.BREACHED),
        _count(Case.resolve_sla, SlaState.MET),
        _count(Case.resolve_sla, SlaState.BREACHED),
    ]
    stmt = select(*columns).where(
        Case.shop_id == actor.shop_id, Case.created_at >= start, Case.created_at < end
    )
    if agent is not None:
        stmt = stmt.add_columns(agent).group_by(agent).order_by(agent)
    rows = await session.execute(stmt)
    return [Attainment(row[4] if per_agent else None, *(int(v) for v in row[:4])) for row in rows]


async def reassign_candidates(session: AsyncSession, shop_id: int) -> list[Candidate]:
    """Every active agent of the shop who may take a case over (analysts never do), with
    their presence, skills, teams and open cases (not resolved or closed): what
    ``kefu.lib.sla.reassign_to`` chooses from when a breach hands a case on. Owners count
    as supervisors only in a shop that has no supervisor."""
    open_cases = (
        select(Case.assigned_agent_id, func.count().label("n"))
        .where(Case.shop_id == shop_id, Case.status.not_in(FINISHED))
        .group_by(Case.assigned_agent_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(Agent, func.coalesce(open_cases.c.n, 0))
            .outerjoin(open_cases, open_cases.c.assigned_agent_id == Agent.id)
            .where(Agent.shop_id == shop_id, Agent.active.is_(True), Agent.role != Role.ANALYST)
        )
    ).all()
    memberships = await session.execute(
        select(TeamMember.agent_id, TeamMember.team_id).where(TeamMember.shop_id == shop_id)
    )
    teams: dict[int, set[int]] = {}
    for agent_id, team_id in memberships:
        teams.setdefault(agent_id, set()).add(team_id)
    has_supervisor = any(agent.role is Role.SUPERVISOR for agent, _ in rows)
    boss = Role.SUPERVISOR if has_supervisor else Role.OWNER
    return [
        Candidate(
            id=agent.id,
            online=agent.presence is Presence.ONLINE,
            supervisor=agent.role is boss,
            skills=frozenset(str(s) for s in agent.skills or ()),
            teams=frozenset(teams.get(agent.id, ())),
            open_cases=int(count),
        )
        for agent, count in rows
    ]
