"""Reading the audit log (owners only), newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.models import AuditEntry
from kefu.queries.pagination import Page, paginate


async def list_audit(
    session: AsyncSession,
    actor: Actor,
    *,
    entity: str | None = None,
    actor_kind: str | None = None,
    action: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[AuditEntry]:
    """Who changed what in the actor's shop; ``action`` matches exactly (e.g. agent.create)."""
    actor.require(Permission.VIEW_AUDIT)
    stmt = select(AuditEntry).where(AuditEntry.shop_id == actor.shop_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if actor_kind:
        stmt = stmt.where(AuditEntry.actor_kind == actor_kind)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return await paginate(
        session, stmt, AuditEntry.id, cursor=cursor, limit=limit, newest_first=True
    )
