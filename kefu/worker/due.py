"""Taking a scheduled row's turn: a compare-and-swap on its next-due column, so that of
several workers that saw the same due time exactly one moves it on and does the work
(mailboxes to poll, reports to mail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def take_turn(
    sessionmaker: async_sessionmaker[AsyncSession],
    due: Any,
    row_id: int,
    seen: datetime,
    until: datetime,
) -> bool:
    """True if this worker moved the active row's ``due`` column (e.g.
    ``Mailbox.next_poll_at``) from ``seen`` to ``until``."""
    model = due.class_
    async with sessionmaker() as session:
        result = await session.execute(
            update(model)
            .where(model.id == row_id, model.active.is_(True), due == seen)
            .values({due.key: until})
        )
        await session.commit()
        return result.rowcount == 1
