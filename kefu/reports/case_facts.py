"""The facts of after-sales cases (docs/kpis.md): opened, settled (with what it paid),
recovered (a follow-up's outcome), and each SLA target met or breached. Recorded by the
case actions and the SLA sweep in their own transactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.lib.cases import CaseType
from kefu.lib.sla import RUNNING, SlaState
from kefu.models import Conversation, Skill
from kefu.models.cases import Case, Compensation, CompensationStatus
from kefu.models.reports import ReportKind
from kefu.reports.facts import conversation_dims, fact_recorded, record_fact


async def _conversation(session: AsyncSession, case: Case) -> Conversation | None:
    if case.conversation_id is None:
        return None
    return await session.get(Conversation, case.conversation_id)


def _dims(case: Case, conversation: Conversation | None, by: int | None) -> dict:
    """A case's fact is credited to its agent, else to the agent acting on it (``by``)."""
    return {
        "case_id": case.id,
        "conversation_id": case.conversation_id,
        "agent_id": case.assigned_agent_id or by,
        "team_id": case.team_id,
        **conversation_dims(conversation),
    }


async def opened_case_facts(session: AsyncSession, case: Case, by: int | None) -> None:
    """CASE_OPENED, and a complaint case is a COMPLAINT unless it was opened from a
    conversation already counted as one (one complaint, not two)."""
    conversation = await _conversation(session, case)
    dims = _dims(case, conversation, by)
    record_fact(session, case.shop_id, ReportKind.CASE_OPENED, occurred_at=case.created_at, **dims)
    complaint_conversation = conversation is not None and conversation.skill is Skill.COMPLAINT
    if case.type is CaseType.COMPLAINT and not complaint_conversation:
        record_fact(
            session, case.shop_id, ReportKind.COMPLAINT, occurred_at=case.created_at, **dims
        )


async def resolved_case_facts(
    session: AsyncSession, case: Case, at: datetime, by: int | None
) -> None:
    """A case resolved for the first time: CASE_SETTLED (value: the approved compensation,
    in cents). Settling is not recovering: RECOVERED comes from a follow-up's explicit
    outcome (``recovered_case_facts``). A reopened case resolved again settles nothing new."""
    if await fact_recorded(session, case.shop_id, ReportKind.CASE_SETTLED, case_id=case.id):
        return
    paid = await session.scalar(
        select(func.coalesce(func.sum(Compensation.amount_cents), 0)).where(
            Compensation.case_id == case.id,
            Compensation.status == CompensationStatus.APPROVED,
        )
    )
    conversation = await _conversation(session, case)
    record_fact(
        session,
        case.shop_id,
        ReportKind.CASE_SETTLED,
        value=int(paid or 0),
        occurred_at=at,
        **_dims(case, conversation, by),
    )


async def recovered_case_facts(
    session: AsyncSession, case: Case, at: datetime, by: int | None
) -> None:
    """A follow-up (complaint or review follow-up case) ended ``recovered``: RECOVERED,
    once per conversation (a complaint conversation the shopper rated 4–5 counts already),
    or once per case when it has none."""
    conversation = await _conversation(session, case)
    where = {"conversation_id": conversation.id} if conversation else {"case_id": case.id}
    if await fact_recorded(session, case.shop_id, ReportKind.RECOVERED, **where):
        return
    record_fact(
        session,
        case.shop_id,
        ReportKind.RECOVERED,
        occurred_at=at,
        **_dims(case, conversation, by),
    )


def sla_facts(
    session: AsyncSession,
    case: Case,
    before: SlaState | None,
    after: SlaState | None,
    at: datetime,
    by: int | None = None,
) -> None:
    """One SLA target of a case settled: SLA_MET when a running target is met in time,
    SLA_BREACHED when it turns breached (by the sweep or a late answer; once)."""
    if before in RUNNING and after is SlaState.MET:
        kind = ReportKind.SLA_MET
    elif before is not SlaState.BREACHED and after is SlaState.BREACHED:
        kind = ReportKind.SLA_BREACHED
    else:
        return
    record_fact(session, case.shop_id, kind, occurred_at=at, **_dims(case, None, by))
