"""Access-checked fetchers: the only way the web layer loads a row by id.

A row of another shop answers exactly like a missing row, so ids never leak."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.errors import NotFound
from kefu.models.base import MAX_ID

T = TypeVar("T")


async def fetch_owned(
    session: AsyncSession,
    actor: Actor,
    model: type[T],
    row_id: Any,
    what: str,
    *,
    permission: Permission | None = Permission.READ_SHOP_DATA,
) -> T:
    """Load ``model`` by primary key if it belongs to the actor's shop, else ``NotFound``.

    ``permission=None`` skips the role check, for rows everyone may load (one's own)."""
    return await session.run_sync(owned_row, actor, model, row_id, what, permission)


def owned_row(
    session: Session,
    actor: Actor,
    model: type[T],
    row_id: Any,
    what: str,
    permission: Permission | None = Permission.READ_SHOP_DATA,
) -> T:
    """``fetch_owned`` for code that runs on a synchronous session (the chat hot path)."""
    if permission is not None:
        actor.require(permission)
    if isinstance(row_id, int) and not 0 < row_id <= MAX_ID:
        raise NotFound(what)
    row = session.get(model, row_id)
    if row is None or getattr(row, "shop_id", None) != actor.shop_id:
        raise NotFound(what)
    return row
