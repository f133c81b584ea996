"""Reading a shop's people: agents, teams and API keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import Agent, ApiKey, Presence, Role, Team, TeamMember, User
from kefu.queries.access import fetch_owned
from kefu.queries.pagination import Page, paginate


async def list_agents(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    role: Role | None = None,
    presence: Presence | None = None,
    active: bool | None = None,
    team_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Agent]:
    """Agents of the actor's shop; ``q`` matches the display name or e-mail."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Agent).where(Agent.shop_id == actor.shop_id)
    if q:
        stmt = stmt.join(User, User.id == Agent.user_id).where(
            or_(
                Agent.display_name.icontains(q, autoescape=True),
                User.email.icontains(q, autoescape=True),
            )
        )
    if role is not None:
        stmt = stmt.where(Agent.role == role)
    if presence is not None:
        stmt = stmt.where(Agent.presence == presence)
    if active is not None:
        stmt = stmt.where(Agent.active.is_(active))
    if team_id is not None:
        stmt = stmt.where(
            Agent.id.in_(select(TeamMember.agent_id).where(TeamMember.team_id == team_id))
        )
    return await paginate(session, stmt, Agent.id, cursor=cursor, limit=limit)


async def get_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    return await fetch_owned(session, actor, Agent, agent_id, "agent")


async def list_teams(session: AsyncSession, actor: Actor) -> list[Team]:
    actor.require(Permission.READ_SHOP_DATA)
    return list(
        await session.scalars(select(Team).where(Team.shop_id == actor.shop_id).order_by(Team.name))
    )


async def _memberships(session: AsyncSession, actor: Actor) -> list[tuple[int, int]]:
    actor.require(Permission.READ_SHOP_DATA)
    rows = await session.execute(
        select(TeamMember.team_id, TeamMember.agent_id)
        .where(TeamMember.shop_id == actor.shop_id)
        .order_by(TeamMember.team_id, TeamMember.agent_id)
    )
    return [(team_id, agent_id) for team_id, agent_id in rows]


async def members_by_team(session: AsyncSession, actor: Actor) -> dict[int, list[int]]:
    """Agent ids of every team of the shop (teams without members are absent)."""
    result: dict[int, list[int]] = defaultdict(list)
    for team_id, agent_id in await _memberships(session, actor):
        result[team_id].append(agent_id)
    return dict(result)


async def teams_by_agent(
    session: AsyncSession, actor: Actor, agent_ids: Iterable[int] | None = None
) -> dict[int, list[int]]:
    """Team ids of each agent (all agents, or only ``agent_ids``)."""
    wanted = None if agent_ids is None else set(agent_ids)
    result: dict[int, list[int]] = defaultdict(list)
    for team_id, agent_id in await _memberships(session, actor):
        if wanted is None or agent_id in wanted:
            result[agent_id].append(team_id)
    return dict(result)


async def list_api_keys(session: AsyncSession, actor: Actor) -> list[ApiKey]:
    """The shop's keys, newest first, revoked ones included (owners only)."""
    actor.require(Permission.MANAGE_API_KEYS)
    return list(
        await session.scalars(
            select(ApiKey).where(ApiKey.shop_id == actor.shop_id).order_by(ApiKey.id.desc())
        )
    )


def supervisor_ids(shop_id: int) -> Select[tuple[int]]:
    """The shop's active supervisors and owners: who hears of escalations, red shoppers
    and acknowledged coaching. A statement, so the chat's synchronous path can run it."""
    return select(Agent.id).where(
        Agent.shop_id == shop_id,
        Agent.active.is_(True),
        Agent.role.in_((Role.SUPERVISOR, Role.OWNER)),
    )


async def any_agent_online(session: AsyncSession, shop_id: int) -> bool:
    """Whether an active agent of the shop is online now (someone could take a chat)."""
    found = await session.scalar(
        select(Agent.id)
        .where(Agent.shop_id == shop_id, Agent.active.is_(True), Agent.presence == Presence.ONLINE)
        .limit(1)
    )
    return found is not None
