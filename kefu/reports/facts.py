"""Recording the facts KPIs count: one ``ReportEvent`` per fact, added to the caller's
transaction so a figure never counts what did not commit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.models.base import utcnow
from kefu.models.reports import ReportEvent, ReportKind

if TYPE_CHECKING:
    from kefu.models import Conversation


def conversation_dims(conversation: Conversation | None) -> dict[str, str | None]:
    """The dimensions a fact copies from its conversation as it stands (None for a fact
    of no conversation): channel, stage (its skill), the recognised intent and the
    customer's segment. Reads only the loaded row: it runs on the chat hot path."""
    if conversation is None:
        return {"channel": None, "stage": None, "intent": None, "segment": None}
    return {
        "channel": conversation.channel.value,
        "stage": conversation.skill.value if conversation.skill is not None else None,
        "intent": conversation.intent,
        "segment": conversation.segment,
    }


def record_fact(
    session: AsyncSession | Session,
    shop_id: int,
    kind: ReportKind,
    *,
    value: int = 0,
    occurred_at: datetime | None = None,
    conversation_id: int | None = None,
    case_id: int | None = None,
    agent_id: int | None = None,
    team_id: int | None = None,
    channel: str | None = None,
    stage: str | None = None,
    intent: str | None = None,
    segment: str | None = None,
) -> None:
    """Add one fact to the session; it is written with the caller's commit."""
    session.add(
        ReportEvent(
            shop_id=shop_id,
            kind=kind.value,
            value=value,
            occurred_at=occurred_at or utcnow(),
            conversation_id=conversation_id,
            case_id=case_id,
            agent_id=agent_id,
            team_id=team_id,
            channel=channel,
            stage=stage,
            intent=intent,
            segment=segment,
        )
    )


async def fact_recorded(
    session: AsyncSession,
    shop_id: int,
    kind: ReportKind,
    *,
    conversation_id: int | None = None,
    case_id: int | None = None,
) -> bool:
    """Whether a fact of ``kind`` was recorded for this conversation (or case): for the
    facts a conversation or case may count only once."""
    where = [ReportEvent.shop_id == shop_id, ReportEvent.kind == kind.value]
    if conversation_id is not None:
        where.append(ReportEvent.conversation_id == conversation_id)
    if case_id is not None:
        where.append(ReportEvent.case_id == case_id)
    return await session.scalar(select(ReportEvent.id).where(*where).limit(1)) is not None
