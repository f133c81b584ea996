"""The timeline of a case (``CaseEvent``): one line per change, who did what when. Apart
from kefu.actions.cases so the SLA clocks (kefu.actions.sla), which that module uses,
can write on it too."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor
from kefu.models import Case, CaseEvent
from kefu.models.base import utcnow


def add_timeline(
    session: AsyncSession | Session, actor: Actor, case: Case, kind: str, **details: Any
) -> CaseEvent:
    """Add one line to the case's timeline: who (the actor), when (now), what (``kind``)."""
    entry = CaseEvent(
        shop_id=actor.shop_id,
        case_id=case.id,
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        kind=kind,
        from_status=details.pop("from_status", None),
        to_status=details.pop("to_status", None),
        body=details.pop("body", None),
        data=details,
    )
    session.add(entry)
    return entry
