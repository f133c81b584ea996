"""The SLA sweep the worker runs at every poll: a case whose target is 80 % used gets a
warning, one whose target has passed is breached and escalated.

Each step happens once, whatever the number of workers: the state of the target moves in
one compare-and-swap ``UPDATE … WHERE <target>_sla = <what was read>``, the way the job
queue claims its rows; of two sweepers only the one whose statement changed the row
writes the timeline, raises the priority, hands the case over and tells people. A case
resolved, paused or answered meanwhile no longer matches and is left alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import record_audit
from kefu.actions.cases import add_timeline, announce, case_payload
from kefu.actions.sla import case_targets, next_check
from kefu.actions.streams import emit
from kefu.events import (
    CaseAssigned,
    CaseReassigned,
    CaseSlaBreached,
    CaseSlaWarning,
    Event,
    agent_stream,
)
from kefu.lib.cases import FINISHED
from kefu.lib.sla import RAISED, Reassign, SlaState, Targets, case_skill, reassign_to
from kefu.models import Case
from kefu.queries.people import supervisor_ids
from kefu.queries.sla import reassign_candidates
from kefu.reports.case_facts import sla_facts

BATCH = 100
SYSTEM_LABEL = "SLA"
TARGETS = ("first_response", "resolve")


async def _escalation_streams(session: AsyncSession, case: Case, breach: bool) -> frozenset[str]:
    """Who hears of it: the assignee; on a breach (or with nobody assigned) also the
    shop's active supervisors and owners."""
    agents = {case.assigned_agent_id} if case.assigned_agent_id else set()
    if breach or not agents:
        supervisors = await session.scalars(supervisor_ids(case.shop_id))
        agents |= set(supervisors)
    return frozenset(agent_stream(agent_id) for agent_id in agents)


async def _claim(
    session: AsyncSession, case_id: int, target: str, seen: SlaState, new: SlaState
) -> bool:
    """The compare-and-swap: True if this transaction moved the target from ``seen``."""
    state = getattr(Case, f"{target}_sla")
    claimed = await session.scalar(
        update(Case)
        .where(
            Case.id == case_id,
            state == seen,
            Case.sla_paused_at.is_(None),
            Case.status.not_in(FINISHED),
        )
        .values({state: new})
        .returning(Case.id)
    )
    return claimed is not None


async def _reassign(
    session: AsyncSession, actor: Actor, case: Case, targets: Targets, target: str
) -> int | None:
    """Hand a breached case over as its policy says (kefu.lib.sla.reassign_to): the
    ``assigned`` line on the timeline and the audit entry; returns the new assignee, or
    None when the policy keeps it where it is or nobody fits."""
    if targets.reassign is Reassign.OFF:
        return None
    chosen = reassign_to(
        targets.reassign,
        targets.reassign_agent_id,
        await reassign_candidates(session, case.shop_id),
        current=case.assigned_agent_id,
        skill=case_skill(case.type),
        team_id=case.team_id,
    )
    if chosen is None:
        return None
    before = {"assigned_agent_id": case.assigned_agent_id, "team_id": case.team_id}
    case.assigned_agent_id = chosen
    after = {"assigned_agent_id": chosen, "team_id": case.team_id}
    why = {"reason": "sla_breached", "target": target, "reassign": targets.reassign.value}
    add_timeline(session, actor, case, "assigned", before=before, after=after, **why)
    record_audit(session, actor, "case.reassign", "case", case.id, before=before, after=after | why)
    return chosen


async def _escalate(
    session: AsyncSession, case: Case, target: str, new: SlaState, now: datetime
) -> None:
    """Write down what the sweep claimed: the timeline, on a breach a raised priority
    and a new assignee (if the policy says so), the next check, and the events to the
    people concerned."""
    breach = new is SlaState.BREACHED
    actor = Actor.system(case.shop_id, SYSTEM_LABEL)
    details: dict[str, Any] = {"target": target}
    streams = await _escalation_streams(session, case, breach)  # the assignee until now
    reassigned = None
    if breach:
        targets = await case_targets(session, case)
        raised = RAISED[case.priority]
        if targets.raise_priority and raised is not case.priority:
            details["priority"] = {"before": case.priority.value, "after": raised.value}
            case.priority = raised
        previous = case.assigned_agent_id
        reassigned = await _reassign(session, actor, case, targets, target)
        if reassigned is not None:
            details["reassigned"] = {"before": previous, "after": reassigned}
    add_timeline(session, actor, case, "sla_breached" if breach else "sla_warning", **details)
    if breach:
        sla_facts(session, case, None, new, now)  # a breach is recorded once: here
    case.sla_check_at = next_check(case)
    case.updated_at = now
    await session.flush()
    due = getattr(case, f"{target}_due_at")
    event_type: type[Event] = CaseSlaBreached if breach else CaseSlaWarning
    payload = {
        "case": case_payload(case),
        "target": target,
        "due_at": due.isoformat() if due else None,
        "priority_raised": "priority" in details,
    }
    await emit(session, event_type(case.shop_id, payload, streams))
    if reassigned is not None:
        await announce(session, CaseAssigned, case.shop_id, case=payload["case"])
        handed = payload | {"previous_agent_id": details["reassigned"]["before"]}
        await emit(
            session,
            CaseReassigned(case.shop_id, handed, frozenset({agent_stream(reassigned)})),
        )


async def _sweep_case(session: AsyncSession, case: Case, now: datetime) -> int:
    """Warn or breach each target of ``case`` whose time has come; how many steps."""
    steps = 0
    for target in TARGETS:
        seen = getattr(case, f"{target}_sla")
        warn, due = getattr(case, f"{target}_warn_at"), getattr(case, f"{target}_due_at")
        if seen is SlaState.PENDING and due is not None and due <= now:
            new = SlaState.BREACHED  # a warning never sent is not sent late
        elif seen is SlaState.PENDING and warn is not None and warn <= now:
            new = SlaState.WARNED
        elif seen is SlaState.WARNED and due is not None and due <= now:
            new = SlaState.BREACHED
        else:
            continue
        claimed = await _claim(session, case.id, target, seen, new)
        await session.refresh(case)  # ours, or what the sweeper that won the race wrote
        if claimed:
            await _escalate(session, case, target, new, now)
            steps += 1
    return steps


async def do_sweep_sla(session: AsyncSession, now: datetime) -> int:
    """Warn and escalate every case of every shop whose SLA check time has come (oldest
    case first, a batch at a time); returns how many warnings and breaches were made.
    The caller commits."""
    cases = list(
        await session.scalars(
            select(Case)
            .where(Case.sla_check_at <= now)
            .order_by(Case.id)
            .limit(BATCH)
            .execution_options(populate_existing=True)
        )
    )
    steps = 0
    for case in cases:
        steps += await _sweep_case(session, case, now)
        if case.sla_check_at is not None and case.sla_check_at <= now:
            case.sla_check_at = next_check(case)  # nothing (more) to do: the next time
    await session.flush()
    return steps
