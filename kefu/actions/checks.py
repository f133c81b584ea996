"""Input checks and team membership shared by the people and shop-settings actions."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.errors import Invalid, NotFound
from kefu.models import Agent, Team, TeamMember

E = TypeVar("E", bound=enum.Enum)


def choice(kind: type[E], value: Any, field: str) -> E:
    """``value`` as a member of the enum ``kind``, or ``Invalid`` naming the choices."""
    try:
        return kind(value)
    except ValueError as exc:
        names = ", ".join(str(m.value) for m in kind)
        raise Invalid(f"{field} must be one of: {names}", field=field) from exc


def check_known(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a change of a field that cannot be changed (naming the first one)."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise Invalid(f"{unknown[0]} cannot be changed here", field=unknown[0])


def clean_text(value: Any, field: str, what: str, max_length: int = 100) -> str:
    """``value`` stripped, refused when empty or longer than ``max_length``."""
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= max_length:
        raise Invalid(f"{what} must have 1 to {max_length} characters", field=field)
    return text


async def replace_memberships(
    session: AsyncSession,
    actor: Actor,
    ids: Sequence[int],
    *,
    team_id: int | None = None,
    agent_id: int | None = None,
) -> None:
    """Make ``ids`` the agents of team ``team_id``, or the teams of agent ``agent_id``.

    Every id must belong to the actor's shop; a foreign id is NotFound like a missing one."""
    wanted = set(ids)
    if team_id is not None:
        other, field, fixed = Agent, "agent_ids", TeamMember.team_id == team_id
    else:
        other, field, fixed = Team, "team_ids", TeamMember.agent_id == agent_id
    found = set(
        await session.scalars(
            select(other.id).where(other.shop_id == actor.shop_id, other.id.in_(wanted))
        )
    )
    if found != wanted:
        raise NotFound("agent" if other is Agent else "team", field=field)
    await session.execute(delete(TeamMember).where(fixed))
    session.add_all(
        TeamMember(
            shop_id=actor.shop_id,
            team_id=team_id if team_id is not None else other_id,
            agent_id=agent_id if agent_id is not None else other_id,
        )
        for other_id in sorted(wanted)
    )
    await session.flush()
