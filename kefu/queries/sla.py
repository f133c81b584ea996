"""Reading SLAs: the shop's policies, and attainment (the share of targets met) per
period and per agent, for the supervisors' report and the analytics to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.lib.sla import SlaState
from kefu.models import Case, SlaPolicy
from kefu.models.base import utcnow

DEFAULT_PERIOD = timedelta(days=30)


async def list_sla_policies(session: AsyncSession, actor: Actor) -> list[SlaPolicy]:
    """The shop's policies, in the order they were added."""
    actor.require(Permission.READ_SHOP_DATA)
    rows = await session.scalars(
        select(SlaPolicy).where(SlaPolicy.shop_id == actor.shop_id).order_by(SlaPolicy.id)
    )
    return list(rows)


@dataclass(frozen=True, slots=True)
class Attainment:
    """Targets settled in a period: met in time, and breached (met late or overdue)."""

    agent_id: int | None  # None: the whole shop
    first_response_met: int
    first_response_breached: int
    resolve_met: int
    resolve_breached: int

    @staticmethod
    def _percent(met: int, breached: int) -> float | None:
        return round(100 * met / (met + breached), 1) if met + breached else None

    @property
    def first_response_percent(self) -> float | None:
        return self._percent(self.first_response_met, self.first_response_breached)

    @property
    def resolve_percent(self) -> float | None:
        return self._percent(self.resolve_met, self.resolve_breached)


def _count(column: object, state: SlaState) -> object:
    return func.coalesce(func.sum(when((column == state, 1), else_=0)), 0)


async def sla_attainment(
    session: AsyncSession,
    actor: Actor,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    per_agent: bool = False,
) -> list[Attainment]:
    """Attainment of the cases opened in ``[start, end)`` (by default the last 30 days):
    the shop's as one row, or one row per assigned agent (None: unassigned cases). A
    breached target counts as soon as it is breached; a running one counts once met."""
    actor.require(Permission.READ_SHOP_DATA)
    end = end or utcnow()
    start = start or end - DEFAULT_PERIOD
    if end <= start:
        raise Invalid("the period must end after it starts", field="end")
    agent = Case.assigned_agent_id if per_agent else None
    columns = [
        _count(Case.first_response_sla, SlaState.MET),
        _count(Case.first_response_sla, SlaState.BREACHED),
        _count(Case.resolve_sla, SlaState.MET),
        _count(Case.resolve_sla, SlaState.BREACHED),
    ]
    stmt = select(*columns).where(
        Case.shop_id == actor.shop_id, Case.created_at >= start, Case.created_at < end
    )
    if agent is not None:
        stmt = stmt.add_columns(agent).group_by(agent).order_by(agent)
    rows = await session.execute(stmt)
    return [Attainment(row[4] if per_agent else None, *(int(v) for v in row[:4])) for row in rows]
