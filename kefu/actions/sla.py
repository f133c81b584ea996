"""SLAs of after-sales cases: the shop's policies (owners and supervisors), and the two
clocks of every case: started when it opens, paused while it waits on the shopper,
settled by the first reply to the shopper and by the resolution.

The instants live on the case (kefu.models.Case); the worker's sweep that warns and
escalates is kefu.actions.escalations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.actions.base import delete_owned, lock_row, record_audit, snapshot
from kefu.actions.case_timeline import add_timeline
from kefu.actions.checks import check_known, choice
from kefu.actions.streams import emit
from kefu.errors import Conflict, Invalid, NotFound
from kefu.events import ShopSettingsChanged, shop_stream
from kefu.lib.business_hours import ShopCalendar
from kefu.lib.cases import FINISHED, CasePriority, CaseStatus, CaseType
from kefu.lib.sla import (
    RUNNING,
    Reassign,
    Rule,
    SlaState,
    Targets,
    resume,
    start_clock,
    target_problem,
    targets_for,
)
from kefu.models import Agent, Case, Role, Shop, SlaPolicy
from kefu.queries.access import fetch_owned
from kefu.queries.shops import calendar_of
from kefu.reports.case_facts import sla_facts

POLICY_FIELDS = (
    "case_type",
    "priority",
    "first_response_minutes",
    "resolve_minutes",
    "raise_priority",
    "reassign",
    "reassign_agent_id",
)


# ---- the shop's policies -------------------------------------------------------------------


async def shop_rules(session: AsyncSession, shop_id: int) -> list[Rule]:
    """The shop's policies as matching rules."""
    policies = await session.scalars(select(SlaPolicy).where(SlaPolicy.shop_id == shop_id))
    return [
        Rule(
            p.case_type,
            p.priority,
            Targets(
                p.first_response_minutes,
                p.resolve_minutes,
                p.raise_priority,
                p.reassign,
                p.reassign_agent_id,
            ),
        )
        for p in policies
    ]


async def case_targets(session: AsyncSession, case: Case) -> Targets:
    """The targets that apply to ``case`` now (its shop's most specific policy)."""
    return targets_for(await shop_rules(session, case.shop_id), case.type, case.priority)


def _minutes(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a whole number of business minutes", field=field)
    return value


async def _reassign_agent(
    session: AsyncSession, actor: Actor, mode: Reassign, agent_id: Any
) -> int | None:
    """The agent a policy hands breached cases to: named exactly when ``mode`` is
    ``agent``, an active agent of the shop who may work on cases (422 otherwise)."""
    field = "reassign_agent_id"
    if mode is not Reassign.AGENT:
        if agent_id is not None:
            raise Invalid("reassign_agent_id is only for reassign = agent", field=field)
        return None
    if agent_id is None:
        raise Invalid("reassign = agent needs the agent (reassign_agent_id)", field=field)
    if isinstance(agent_id, bool) or not isinstance(agent_id, int):
        raise Invalid("reassign_agent_id must be a Kefu id", field=field)
    try:
        agent = await fetch_owned(session, actor, Agent, agent_id, "agent", permission=None)
    except NotFound as exc:
        raise NotFound("agent", field=field) from exc
    if not agent.active or agent.role is Role.ANALYST:
        raise Invalid("this agent cannot take cases over (deactivated or analyst)", field=field)
    return agent.id


async def _clean_policy(
    session: AsyncSession, actor: Actor, values: dict[str, Any]
) -> dict[str, Any]:
    """The policy's fields checked: known choices, targets that make sense, an agent to
    reassign to who can take cases (422)."""
    first = _minutes(values.get("first_response_minutes"), "first_response_minutes")
    resolve = _minutes(values.get("resolve_minutes"), "resolve_minutes")
    problem = target_problem(first, resolve)
    if problem:
        field, message = problem
        raise Invalid(message, field=field)
    kind, priority = values.get("case_type"), values.get("priority")
    if not isinstance(values.get("raise_priority", True), bool):
        raise Invalid("raise_priority must be true or false", field="raise_priority")
    reassign = choice(Reassign, values.get("reassign") or Reassign.OFF, "reassign")
    return {
        "case_type": None if kind is None else choice(CaseType, kind, "case_type"),
        "priority": None if priority is None else choice(CasePriority, priority, "priority"),
        "first_response_minutes": first,
        "resolve_minutes": resolve,
        "raise_priority": values.get("raise_priority", True),
        "reassign": reassign,
        "reassign_agent_id": await _reassign_agent(
            session, actor, reassign, values.get("reassign_agent_id")
        ),
    }


async def _check_unique(
    session: AsyncSession, actor: Actor, values: dict[str, Any], own_id: int | None
) -> None:
    """One policy per (type, priority) pair: with the shop's row locked, so two writers
    take turns and the later sees the earlier."""
    await lock_row(session, Shop, actor.shop_id)
    stmt = select(SlaPolicy.id).where(
        SlaPolicy.shop_id == actor.shop_id,
        SlaPolicy.case_type.is_not_distinct_from(values["case_type"]),
        SlaPolicy.priority.is_not_distinct_from(values["priority"]),
    )
    if own_id is not None:
        stmt = stmt.where(SlaPolicy.id != own_id)
    if await session.scalar(stmt) is not None:
        kind = values["case_type"] or "any type"
        priority = values["priority"] or "any priority"
        raise Conflict(
            f"there is already an SLA policy for {kind} at {priority}", field="case_type"
        )


async def _announce(session: AsyncSession, actor: Actor) -> None:
    await emit(
        session,
        ShopSettingsChanged(
            actor.shop_id, {"changed": "sla"}, frozenset({shop_stream(actor.shop_id)})
        ),
    )


async def do_create_sla_policy(session: AsyncSession, actor: Actor, **fields: Any) -> SlaPolicy:
    """Add targets for cases of one type and/or priority (None: any); they apply to cases
    opened from now on."""
    actor.require(Permission.MANAGE_SLA)
    check_known(fields, POLICY_FIELDS)
    values = await _clean_policy(session, actor, fields)
    await _check_unique(session, actor, values, None)
    policy = SlaPolicy(shop_id=actor.shop_id, **values)
    session.add(policy)
    await session.flush()
    record_audit(
        session, actor, "sla_policy.create", "sla_policy", policy.id, after=snapshot(policy)
    )
    await _announce(session, actor)
    return policy


async def do_update_sla_policy(
    session: AsyncSession, actor: Actor, policy_id: int, **changes: Any
) -> SlaPolicy:
    """Change some fields of a policy (cases already open keep their due times)."""
    policy = await fetch_owned(
        session, actor, SlaPolicy, policy_id, "SLA policy", permission=Permission.MANAGE_SLA
    )
    check_known(changes, POLICY_FIELDS)
    before = snapshot(policy)
    current = {key: getattr(policy, key) for key in POLICY_FIELDS}
    if changes.get("reassign") not in (None, Reassign.AGENT) and "reassign_agent_id" not in changes:
        current["reassign_agent_id"] = None  # leaving ``agent``: the name goes with it
    values = await _clean_policy(session, actor, current | changes)
    await _check_unique(session, actor, values, policy.id)
    for key, value in values.items():
        setattr(policy, key, value)
    await session.flush()
    record_audit(
        session,
        actor,
        "sla_policy.update",
        "sla_policy",
        policy.id,
        before=before,
        after=snapshot(policy),
    )
    await _announce(session, actor)
    return policy


async def do_delete_sla_policy(session: AsyncSession, actor: Actor, policy_id: int) -> None:
    """Remove a policy: its cases fall back to a less specific one, or the defaults."""
    await delete_owned(
        session,
        actor,
        SlaPolicy,
        policy_id,
        "sla_policy",
        permission=Permission.MANAGE_SLA,
        what="SLA policy",
    )
    await _announce(session, actor)


# ---- the clocks of a case ------------------------------------------------------------------


async def _calendar(session: AsyncSession, case: Case) -> ShopCalendar:
    return await calendar_of(session, await session.get_one(Shop, case.shop_id))


def next_check(case: Case) -> datetime | None:
    """The next instant the worker must look at ``case``: the warning of a pending target,
    the due time of a warned one; None while paused, finished or with nothing running."""
    if case.sla_paused_at is not None or case.status in FINISHED:
        return None
    times = [
        warn if state is SlaState.PENDING else due
        for state, warn, due in (
            (case.first_response_sla, case.first_response_warn_at, case.first_response_due_at),
            (case.resolve_sla, case.resolve_warn_at, case.resolve_due_at),
        )
        if state in RUNNING
    ]
    return min((t for t in times if t is not None), default=None)


def _start_resolution(case: Case, calendar: ShopCalendar, targets: Targets, now: datetime) -> None:
    clock = start_clock(calendar, now, targets.resolve_minutes)
    case.resolve_warn_at, case.resolve_due_at = clock.warn_at, clock.due_at
    case.resolve_sla = SlaState.PENDING if clock.due_at else None


async def start_case_clocks(session: AsyncSession, case: Case, now: datetime) -> None:
    """Both clocks of a case being opened at ``now``, from its shop's targets."""
    calendar = await _calendar(session, case)
    targets = await case_targets(session, case)
    clock = start_clock(calendar, now, targets.first_response_minutes)
    case.first_response_warn_at, case.first_response_due_at = clock.warn_at, clock.due_at
    case.first_response_sla = SlaState.PENDING if clock.due_at else None
    _start_resolution(case, calendar, targets, now)
    case.sla_check_at = next_check(case)


def _settled(state: SlaState | None, due: datetime | None, now: datetime) -> SlaState | None:
    """A running target met at ``now``: in time, or late (a breach stays a breach)."""
    if state not in RUNNING or due is None:
        return state
    return SlaState.MET if now <= due else SlaState.BREACHED


def settle_first_response(
    session: AsyncSession | Session, case: Case, now: datetime, by: int | None = None
) -> None:
    """The shop answered the shopper (a reply on the case, or its resolution); ``by``:
    the agent who did, credited when the case has no agent."""
    if case.first_responded_at is None:
        case.first_responded_at = now
    before = case.first_response_sla
    case.first_response_sla = _settled(before, case.first_response_due_at, now)
    sla_facts(session, case, before, case.first_response_sla, now, by)
    case.sla_check_at = next_check(case)


def answered_in_chat(
    session: Session, actor: Actor, conversation_id: int, message_id: int, now: datetime
) -> None:
    """An agent replied to the shopper in a conversation: the cases opened from it that
    nobody had answered yet have their first response (on time or late), a line on their
    timeline says so. Runs in the chat's hot path (a synchronous session, possibly a group
    commit of many messages): one indexed look-up, usually finding nothing.

    The rows are locked (PostgreSQL) and read afresh before they are settled, so a
    sweeper that breached the target meanwhile is seen, and its breach stays one."""
    stmt = (
        select(Case)
        .where(
            Case.shop_id == actor.shop_id,
            Case.conversation_id == conversation_id,
            Case.first_responded_at.is_(None),
            Case.status.not_in(FINISHED),
        )
        .order_by(Case.id)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    for case in session.scalars(stmt).all():
        settle_first_response(session, case, now, actor.id)
        case.updated_at = now
        add_timeline(session, actor, case, "answered_in_chat", message_id=message_id)


async def _resume(session: AsyncSession, case: Case, now: datetime) -> None:
    """The shopper answered: running targets get back the business time that was left."""
    paused = case.sla_paused_at
    if paused is None:
        return
    calendar = await _calendar(session, case)
    if case.first_response_sla in RUNNING:
        case.first_response_warn_at = resume(calendar, paused, now, case.first_response_warn_at)
        case.first_response_due_at = resume(calendar, paused, now, case.first_response_due_at)
    if case.resolve_sla in RUNNING:
        case.resolve_warn_at = resume(calendar, paused, now, case.resolve_warn_at)
        case.resolve_due_at = resume(calendar, paused, now, case.resolve_due_at)
    case.sla_paused_at = None


async def on_status_change(
    session: AsyncSession, case: Case, before: CaseStatus, now: datetime, by: int | None = None
) -> None:
    """Move the clocks with the workflow: waiting on the shopper pauses them, leaving
    that status resumes them, resolving settles them, reopening restarts the resolution."""
    if before is CaseStatus.WAITING_CUSTOMER:
        await _resume(session, case, now)
    if case.status is CaseStatus.WAITING_CUSTOMER:
        case.sla_paused_at = now
    elif case.status is CaseStatus.RESOLVED:
        settle_first_response(session, case, now, by)
        before_resolve = case.resolve_sla
        case.resolve_sla = _settled(before_resolve, case.resolve_due_at, now)
        sla_facts(session, case, before_resolve, case.resolve_sla, now, by)
    elif case.status is CaseStatus.REOPENED:
        _start_resolution(
            case, await _calendar(session, case), await case_targets(session, case), now
        )
    case.sla_check_at = next_check(case)
