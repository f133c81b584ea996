"""Teams: groups of agents, optionally tied to one skill (售前, 售后 …) for routing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import publish_on_commit, record_audit, snapshot
from kefu.actions.checks import check_known, choice, clean_text, replace_memberships
from kefu.errors import Conflict
from kefu.events import TeamChanged
from kefu.models import Skill, Team, TeamMember
from kefu.queries.access import fetch_owned

UPDATABLE = frozenset({"name", "skill", "agent_ids"})


async def _members(session: AsyncSession, team_id: int) -> list[int]:
    return sorted(
        await session.scalars(select(TeamMember.agent_id).where(TeamMember.team_id == team_id))
    )


async def _audit_view(session: AsyncSession, team: Team) -> dict[str, Any]:
    return snapshot(team) | {"agent_ids": await _members(session, team.id)}


async def _clean_name(session: AsyncSession, actor: Actor, name: str, team_id: int | None) -> str:
    name = clean_text(name, "name", "team name")
    clash = await session.scalar(
        select(Team.id).where(Team.shop_id == actor.shop_id, Team.name == name)
    )
    if clash is not None and clash != team_id:
        raise Conflict(f"there is already a team called {name}", field="name")
    return name


def _announce(session: AsyncSession, team: Team, change: str) -> None:
    publish_on_commit(
        session,
        TeamChanged(
            team.shop_id,
            {"team_id": team.id, "change": change, "name": team.name},
            frozenset({f"shop:{team.shop_id}"}),
        ),
    )


def _skill(value: Any) -> Skill | None:
    return None if value is None else choice(Skill, value, "skill")


async def do_create_team(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    skill: Skill | None = None,
    agent_ids: Sequence[int] = (),
) -> Team:
    actor.require(Permission.MANAGE_AGENTS)
    team = Team(
        shop_id=actor.shop_id,
        name=await _clean_name(session, actor, name, None),
        skill=_skill(skill),
    )
    session.add(team)
    await session.flush()
    await replace_memberships(session, actor, agent_ids, team_id=team.id)
    record_audit(
        session, actor, "team.create", "team", team.id, after=await _audit_view(session, team)
    )
    _announce(session, team, "created")
    return team


async def do_update_team(session: AsyncSession, actor: Actor, team_id: int, **changes: Any) -> Team:
    """Rename, change the skill or replace the members; fields not given stay."""
    check_known(changes, UPDATABLE)
    team = await fetch_owned(
        session, actor, Team, team_id, "team", permission=Permission.MANAGE_AGENTS
    )
    before = await _audit_view(session, team)
    if "name" in changes:
        team.name = await _clean_name(session, actor, changes["name"], team.id)
    if "skill" in changes:
        team.skill = _skill(changes["skill"])
    if "agent_ids" in changes:
        await replace_memberships(session, actor, changes["agent_ids"], team_id=team.id)
    await session.flush()
    after = await _audit_view(session, team)
    if after != before:
        record_audit(session, actor, "team.update", "team", team.id, before=before, after=after)
        _announce(session, team, "updated")
    return team


async def do_delete_team(session: AsyncSession, actor: Actor, team_id: int) -> None:
    """Remove the team; its agents stay, only the membership goes."""
    team = await fetch_owned(
        session, actor, Team, team_id, "team", permission=Permission.MANAGE_AGENTS
    )
    before = await _audit_view(session, team)
    _announce(session, team, "deleted")
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    await session.delete(team)
    await session.flush()
    record_audit(session, actor, "team.delete", "team", team_id, before=before)
