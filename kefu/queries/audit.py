"""Reading the audit log (owners only), newest first."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.lib.times import local_midnight, zone
from kefu.models import AuditEntry
from kefu.queries.pagination import Page, paginate
from kefu.queries.shops import get_shop

MSG_DATES_REVERSED = "the end date must be after the start date"


def within_local_days(
    stmt: Select[Any], column: Any, tz: ZoneInfo, date_from: date | None, date_to: date | None
) -> Select[Any]:
    """Keep rows whose ``column`` falls from the start of ``date_from`` to the start of
    ``date_to``, both local days of the shop (what its people mean by "on 1 November")."""
    if date_from and date_to and date_to <= date_from:
        raise Invalid(MSG_DATES_REVERSED, field="date_to")
    if date_from:
        stmt = stmt.where(column >= local_midnight(date_from, tz))
    if date_to:
        stmt = stmt.where(column < local_midnight(date_to, tz))
    return stmt


async def _within_days(
    session: AsyncSession,
    actor: Actor,
    stmt: Select[tuple[AuditEntry]],
    date_from: date | None,
    date_to: date | None,
) -> Select[tuple[AuditEntry]]:
    tz = zone((await get_shop(session, actor)).timezone)
    return within_local_days(stmt, AuditEntry.at, tz, date_from, date_to)


async def list_audit(
    session: AsyncSession,
    actor: Actor,
    *,
    entity: str | None = None,
    actor_kind: str | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntry]:
    """Who changed what in the actor's shop; ``action`` matches exactly (e.g. agent.create).

    ``date_from`` (inclusive) and ``date_to`` (exclusive) are days in the shop's time zone."""
    actor.require(Permission.VIEW_AUDIT)
    stmt = select(AuditEntry).where(AuditEntry.shop_id == actor.shop_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor_kind:
        stmt = stmt.where(AuditEntry.actor_kind == actor_kind)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if date_from or date_to:
        stmt = await _within_days(session, actor, stmt, date_from, date_to)
    return await paginate(
        session, stmt, AuditEntry.id, cursor=cursor, limit=limit, newest_first=True
    )
