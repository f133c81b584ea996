"""Reading coaching notes (docs/quality.md#coaching): an agent reads their own, supervisors,
owners and analysts every note of their shop."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Forbidden
from kefu.models.quality import CoachingNote
from kefu.queries.access import fetch_owned
from kefu.queries.pagination import Page, id_filter, paginate
from kefu.queries.scorecards import sees_all


def _require_reader(actor: Actor) -> None:
    if not (sees_all(actor) or actor.can(Permission.HANDLE_CONVERSATIONS)):
        raise Forbidden("your role may not read coaching notes")


async def load_note(session: AsyncSession, actor: Actor, note_id: int) -> CoachingNote:
    """One note of the actor's shop (404 otherwise); an agent's own only (403)."""
    _require_reader(actor)
    note = await fetch_owned(
        session, actor, CoachingNote, note_id, "coaching note", permission=None
    )
    if not sees_all(actor) and note.agent_id != actor.id:
        raise Forbidden("an agent sees only their own coaching notes")
    return note


async def list_coaching(
    session: AsyncSession,
    actor: Actor,
    *,
    agent_id: int | None = None,
    scorecard_id: int | None = None,
    unacknowledged: bool = False,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[CoachingNote]:
    """Notes newest first: an agent's own, or for supervisors every agent's (``agent_id``
    narrows it); ``unacknowledged`` leaves out the ones already read."""
    _require_reader(actor)
    stmt = select(CoachingNote).where(CoachingNote.shop_id == actor.shop_id)
    if not sees_all(actor):
        stmt = stmt.where(CoachingNote.agent_id == actor.id)
    if id_filter(agent_id, "agent_id") is not None:
        stmt = stmt.where(CoachingNote.agent_id == agent_id)
    if id_filter(scorecard_id, "scorecard_id") is not None:
        stmt = stmt.where(CoachingNote.scorecard_id == scorecard_id)
    if unacknowledged:
        stmt = stmt.where(CoachingNote.acknowledged_at.is_(None))
    return await paginate(
        session, stmt, CoachingNote.id, cursor=cursor, limit=limit, newest_first=True
    )
