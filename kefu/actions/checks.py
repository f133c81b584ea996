"""Input checks and team membership shared by the people and shop-settings actions."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.errors import Invalid, NotFound
from kefu.models import Agent, Team, TeamMember
from kefu.models.base import MAX_ID

E = TypeVar("E", bound=enum.Enum)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALES = ("zh_CN", "en")


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


def clean_locale(value: Any) -> str:
    """A UI language Kefu has catalogs for (a shop's default or a person's own)."""
    if value not in LOCALES:
        raise Invalid(f"locale must be one of: {', '.join(LOCALES)}", field="locale")
    return str(value)


def clean_text(
    value: Any, field: str, what: str, max_length: int = 100, *, lines: bool = False
) -> str:
    """``value`` stripped, refused when empty, too long, or holding control characters
    (a name is one line; PostgreSQL cannot store NUL at all). ``lines``: line breaks
    and tabs are allowed (a note of several lines)."""
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= max_length:
        raise Invalid(f"{what} must have 1 to {max_length} characters", field=field)
    if (_CONTROL_IN_LINES if lines else _CONTROL).search(text):
        raise Invalid(f"{what} must not contain control characters", field=field)
    return text


def clean_email(value: Any, field: str) -> str:
    """A plausible e-mail address, stripped and lower-cased (delivery is the real test)."""
    email = clean_text(value, field, "e-mail address", 254).lower()
    if not _EMAIL.match(email):
        raise Invalid("e-mail address looks wrong", field=field)
    return email


def _row_ids(ids: Iterable[Any], what: str, field: str) -> set[int]:
    """Ids as sent by a form or the API, as integers; an impossible id is NotFound."""
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError) as exc:
        raise Invalid("ids must be whole numbers", field=field) from exc
    if any(not 0 < i <= MAX_ID for i in wanted):
        raise NotFound(what, field=field)
    return wanted


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
    if team_id is not None:
        other, what, fixed = Agent, "agent", TeamMember.team_id == team_id
    else:
        other, what, fixed = Team, "team", TeamMember.agent_id == agent_id
    field = f"{what}_ids"
    wanted = _row_ids(ids, what, field)
    found = set(
        await session.scalars(
            select(other.id).where(other.shop_id == actor.shop_id, other.id.in_(wanted))
        )
    )
    if found != wanted:
        raise NotFound(what, field=field)
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
