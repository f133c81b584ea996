"""After-sales cases: open one (with the evidence its type requires), move it along the
workflow, assign it, comment on it. The shop's case settings are in
kefu.actions.case_settings.

Every change lands on the case's timeline (``CaseEvent``) and in the audit log, and is
announced to the shop's agents. Compensations live in kefu.actions.compensations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import lock_row, record_audit, snapshot
from kefu.actions.case_mail import mail_progress
from kefu.actions.case_timeline import add_timeline
from kefu.actions.checks import check_known, choice, clean_text
from kefu.actions.sla import on_status_change, settle_first_response, start_case_clocks
from kefu.actions.streams import emit
from kefu.errors import Conflict, Invalid, NotFound
from kefu.events import (
    CaseAssigned,
    CaseCommented,
    CaseCreated,
    CaseOutcomeRecorded,
    CasePriorityChanged,
    CaseStatusChanged,
    Event,
    shop_stream,
)
from kefu.lib.cases import (
    BAD_RATING,
    FOLLOW_UP_TYPES,
    MAX_PHOTOS,
    REQUIRED,
    TEXT_EVIDENCE,
    CasePriority,
    CaseStatus,
    CaseType,
    Outcome,
    case_settings,
    custom_fields_problem,
    transition_problem,
)
from kefu.models import (
    Agent,
    Case,
    CaseEvent,
    CaseSource,
    Conversation,
    Customer,
    Order,
    OrderLine,
    Team,
    Upload,
)
from kefu.models.base import MAX_ID, utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.shops import get_shop
from kefu.reports.case_facts import (
    opened_case_facts,
    recovered_case_facts,
    resolved_case_facts,
)

MAX_TITLE = 200
MAX_TEXT = 4000


def case_payload(case: Case) -> dict[str, Any]:
    """What events say about a case: enough for a list row to redraw itself."""
    return {
        "id": case.id,
        "number": case.number,
        "type": case.type.value,
        "status": case.status.value,
        "priority": case.priority.value,
        "title": case.title,
        "customer_id": case.customer_id,
        "order_id": case.order_id,
        "order_line_id": case.order_line_id,
        "conversation_id": case.conversation_id,
        "assigned_agent_id": case.assigned_agent_id,
        "team_id": case.team_id,
    }


async def announce(
    session: AsyncSession, event_type: type[Event], shop_id: int, **payload: Any
) -> None:
    """Tell every agent of the shop (the case list redraws), after commit."""
    await emit(session, event_type(shop_id, payload, frozenset({shop_stream(shop_id)})))


async def load_case(
    session: AsyncSession, actor: Actor, case_id: int, *, lock: bool = False
) -> Case:
    """The actor's shop's case, for someone who may work on cases; ``lock`` holds its row
    until commit (and reads it afresh) so two people cannot move it at once."""
    actor.require(Permission.HANDLE_CASES)
    case = await fetch_owned(session, actor, Case, case_id, "case")
    if lock:
        await lock_row(session, Case, case.id)
        await session.refresh(case)
    return case


# ---- opening a case ----------------------------------------------------------------------


async def _links(session: AsyncSession, actor: Actor, ids: dict[str, Any]) -> dict[str, Any]:
    """The conversation, order line, order and customer named, each of the actor's shop
    and consistent with each other; the customer and order follow from the others."""
    conversation = line = order = customer = None
    if ids.get("conversation_id") is not None:
        conversation = await _owned(session, actor, Conversation, ids, "conversation")
    if ids.get("order_line_id") is not None:
        line = await _owned(session, actor, OrderLine, ids, "order_line", "order line")
    if ids.get("order_id") is not None:
        order = await _owned(session, actor, Order, ids, "order")
        if line is not None and line.order_id != order.id:
            raise Invalid("the order line is not a line of this order", field="order_line_id")
    elif line is not None:
        order = await session.get_one(Order, line.order_id)
    if ids.get("customer_id") is not None:
        customer = await _owned(session, actor, Customer, ids, "customer")
    customer_id = (
        customer.id
        if customer
        else (order and order.customer_id) or (conversation and conversation.customer_id)
    )
    return {
        "conversation_id": conversation and conversation.id,
        "order_line_id": line and line.id,
        "order_id": order and order.id,
        "customer_id": customer_id,
    }


async def _owned(
    session: AsyncSession,
    actor: Actor,
    model: type[Any],
    ids: dict[str, Any],
    name: str,
    what: str | None = None,
) -> Any:
    field = f"{name}_id"
    value = ids[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{field} must be a Kefu id", field=field)
    try:
        return await fetch_owned(session, actor, model, value, what or name)
    except NotFound as exc:
        raise NotFound(what or name, field=field) from exc


def _text_evidence(evidence: dict[str, Any]) -> dict[str, str]:
    cleaned = {}
    for key, max_length in TEXT_EVIDENCE.items():
        value = evidence.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            cleaned[key] = clean_text(value, f"evidence.{key}", key.replace("_", " "), max_length)
    return cleaned


async def _photos(session: AsyncSession, actor: Actor, value: Any) -> list[int]:
    """Upload ids of images of the actor's shop (sent in a conversation)."""
    field = "evidence.photo_upload_ids"
    if value is None:
        return []
    if not isinstance(value, list) or any(
        isinstance(i, bool) or not isinstance(i, int) for i in value
    ):
        raise Invalid("photo_upload_ids must be a list of upload ids", field=field)
    if len(value) > MAX_PHOTOS:
        raise Invalid(f"a case has at most {MAX_PHOTOS} photos", field=field)
    wanted = sorted(set(value))
    if any(not 0 < i <= MAX_ID for i in wanted):
        raise NotFound("photo", field=field)
    found = await session.scalar(
        select(func.count())
        .select_from(Upload)
        .where(Upload.shop_id == actor.shop_id, Upload.id.in_(wanted))
    )
    if found != len(wanted):
        raise NotFound("photo", field=field)
    return wanted


async def _evidence(
    session: AsyncSession, actor: Actor, kind: CaseType, links: dict[str, Any], evidence: Any
) -> dict[str, Any]:
    """The evidence given, checked against what ``kind`` requires (422 naming the field)."""
    if evidence is None:
        evidence = {}
    if not isinstance(evidence, dict):
        raise Invalid("evidence must be an object", field="evidence")
    check_known(evidence, ("photo_upload_ids", *TEXT_EVIDENCE))
    cleaned: dict[str, Any] = _text_evidence(evidence)
    photos = await _photos(session, actor, evidence.get("photo_upload_ids"))
    if photos:
        cleaned["photo_upload_ids"] = photos
    needs = REQUIRED[kind]
    missing = [
        (field, what)
        for wanted, field, what in (
            (needs.order_line, "order_line_id", "the order line it is about"),
            (needs.order, "order_id", "the order it is about"),
            (needs.photos, "evidence.photo_upload_ids", "at least one photo"),
            (needs.tracking_no, "evidence.tracking_no", "the tracking number"),
            (needs.batch_no, "evidence.batch_no", "the batch number"),
            (needs.customs_status, "evidence.customs_status", "the customs status"),
        )
        if wanted and not (links | cleaned).get(field.removeprefix("evidence."))
    ]
    if missing:
        field, what = missing[0]
        raise Invalid(f"a {kind.value} case needs {what} ({field})", field=field)
    return cleaned


def _custom_fields(settings: dict[str, Any], kind: CaseType, value: Any) -> dict[str, Any]:
    """The custom fields, valid under the shop's JSON schema for ``kind``."""
    value = {} if value is None else value
    schema = settings["custom_fields"].get(kind.value)
    if schema is None:
        if value:
            raise Invalid(
                f"this shop has no custom fields for {kind.value} cases", field="custom_fields"
            )
        return {}
    problem = custom_fields_problem(schema, value)
    if problem:
        field, message = problem
        raise Invalid(f"{field}: {message}", field=field)
    return value


async def assignee(
    session: AsyncSession, actor: Actor, agent_id: Any, team_id: Any
) -> tuple[int | None, int | None]:
    """An active agent and a team of the actor's shop (either may be None)."""
    ids = {"agent_id": agent_id, "team_id": team_id}
    agent = team = None
    if agent_id is not None:
        agent = await _owned(session, actor, Agent, ids, "agent")
        if not agent.active:
            raise Conflict("this agent is deactivated", field="agent_id")
    if team_id is not None:
        team = await _owned(session, actor, Team, ids, "team")
    return agent and agent.id, team and team.id


async def _next_number(session: AsyncSession, shop_id: int) -> int:
    """The shop's next case number: one statement, so concurrent openings never share one."""
    result = await session.execute(
        text(
            "UPDATE shops SET last_case_number = last_case_number + 1 WHERE id = :id "
            "RETURNING last_case_number"
        ),
        {"id": shop_id},
    )
    return int(result.scalar_one())


def _agent_id(actor: Actor) -> int | None:
    """The agent acting, for report facts of a case nobody holds yet."""
    return actor.id if actor.kind == "agent" else None


def _source(actor: Actor, links: dict[str, Any]) -> CaseSource:
    if actor.is_visitor:
        return CaseSource.WIDGET
    if links["conversation_id"]:
        return CaseSource.CONVERSATION
    return CaseSource.ORDER_LINE if links["order_line_id"] else CaseSource.API


async def do_open_case(
    session: AsyncSession,
    actor: Actor,
    *,
    type: Any,
    title: Any,
    description: Any = None,
    priority: Any = CasePriority.NORMAL,
    evidence: Any = None,
    custom_fields: Any = None,
    assigned_agent_id: Any = None,
    team_id: Any = None,
    source: CaseSource | None = None,
    **links: Any,
) -> Case:
    """Open a case from a conversation, an order line, or through the API. ``links`` are
    ``conversation_id``, ``order_line_id``, ``order_id`` and ``customer_id``; ``source``
    is for a channel that opens cases itself (e-mail), else it follows from the links."""
    actor.require(Permission.HANDLE_CASES)
    check_known(links, ("conversation_id", "order_line_id", "order_id", "customer_id"))
    kind = choice(CaseType, type, "type")
    resolved = await _links(session, actor, links)
    cleaned = await _evidence(session, actor, kind, resolved, evidence)
    settings = case_settings((await get_shop(session, actor)).case_settings)
    agent_id, team = await assignee(session, actor, assigned_agent_id, team_id)
    case = Case(
        shop_id=actor.shop_id,
        type=kind,
        status=CaseStatus.NEW,
        priority=choice(CasePriority, priority, "priority"),
        source=source or _source(actor, resolved),
        title=clean_text(title, "title", "the title", MAX_TITLE),
        description=optional_text(description, "description"),
        evidence=cleaned,
        custom_fields=_custom_fields(settings, kind, custom_fields),
        assigned_agent_id=agent_id,
        team_id=team,
        **resolved,
    )
    case.number = await _next_number(session, actor.shop_id)
    case.created_at = utcnow()
    if kind in FOLLOW_UP_TYPES:
        case.follow_up_due_at = case.created_at + timedelta(hours=settings["follow_up_hours"])
    await start_case_clocks(session, case, case.created_at)
    session.add(case)
    await session.flush()
    add_timeline(session, actor, case, "created", to_status=CaseStatus.NEW)
    record_audit(session, actor, "case.open", "case", case.id, after=snapshot(case))
    await opened_case_facts(session, case, _agent_id(actor))
    await announce(session, CaseCreated, actor.shop_id, case=case_payload(case))
    return case


async def open_review_followup(session: AsyncSession, conversation: Conversation) -> Case | None:
    """A bad rating (1–2 stars) opens a review follow-up (差评回访) for the conversation's
    agent (nobody's when the agent left: a supervisor hands it out), due within the shop's
    follow-up hours; at most one per conversation (None when it has one already)."""
    rating = conversation.rating
    if rating is None or rating > BAD_RATING:
        return None
    existing = await session.scalar(
        select(Case.id).where(
            Case.shop_id == conversation.shop_id,
            Case.conversation_id == conversation.id,
            Case.type == CaseType.REVIEW_FOLLOWUP,
        )
    )
    if existing is not None:
        return None
    agent_id = conversation.assigned_agent_id
    if agent_id is not None and not (await session.get_one(Agent, agent_id)).active:
        agent_id = None
    return await do_open_case(
        session,
        Actor.system(conversation.shop_id),
        type=CaseType.REVIEW_FOLLOWUP,
        title=f"差评回访 · {rating}★",
        description=conversation.rating_comment,
        priority=CasePriority.HIGH,
        conversation_id=conversation.id,
        assigned_agent_id=agent_id,
        source=CaseSource.CONVERSATION,
    )


def optional_text(value: Any, field: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Invalid(f"{field} must be text of at most {MAX_TEXT} characters", field=field)
    return value.strip()


# ---- working on a case -------------------------------------------------------------------


async def do_transition_case(
    session: AsyncSession, actor: Actor, case_id: int, to: Any, *, note: Any = None
) -> Case:
    """Move a case along the workflow; a move the workflow does not allow is a 409 that
    names both statuses."""
    case = await load_case(session, actor, case_id, lock=True)
    wanted = choice(CaseStatus, to, "to")
    problem = transition_problem(case.status, wanted)
    if problem:
        raise Conflict(problem, field="to", code="illegal_transition")
    before = case.status
    case.status = wanted
    now = utcnow()
    if wanted is CaseStatus.RESOLVED:
        case.resolved_at = now
    elif wanted is CaseStatus.CLOSED:
        case.closed_at = now
    elif wanted is CaseStatus.REOPENED:
        case.resolved_at = case.closed_at = None
    await on_status_change(session, case, before, now, _agent_id(actor))
    if wanted is CaseStatus.RESOLVED:
        await resolved_case_facts(session, case, now, _agent_id(actor))
    add_timeline(
        session,
        actor,
        case,
        "status_changed",
        from_status=before,
        to_status=wanted,
        body=optional_text(note, "note"),
    )
    await mail_progress(session, case, wanted)  # the status only: the note is internal
    record_audit(
        session,
        actor,
        "case.transition",
        "case",
        case.id,
        before={"status": before.value},
        after={"status": wanted.value},
    )
    await session.flush()
    await announce(
        session,
        CaseStatusChanged,
        actor.shop_id,
        case=case_payload(case),
        from_status=before.value,
        to_status=wanted.value,
    )
    return case


async def do_set_case_outcome(
    session: AsyncSession, actor: Actor, case_id: int, outcome: Any, *, note: Any = None
) -> Case:
    """End a follow-up (a complaint or review follow-up case) with its outcome and a note:
    ``recovered`` counts for the service-recovery KPI. Once: a second outcome is a 409, as
    is an outcome on a case of another type."""
    case = await load_case(session, actor, case_id, lock=True)
    wanted = choice(Outcome, outcome, "outcome")
    if case.type not in FOLLOW_UP_TYPES:
        raise Conflict(
            "only complaint and review follow-up cases have an outcome",
            field="outcome",
            code="not_a_follow_up",
        )
    if case.outcome is not None:
        raise Conflict(
            f"this follow-up already ended {case.outcome.value}",
            field="outcome",
            code="outcome_recorded",
        )
    now = utcnow()
    case.outcome, case.outcome_note, case.outcome_at = wanted, optional_text(note, "note"), now
    case.updated_at = now
    add_timeline(session, actor, case, "outcome", body=case.outcome_note, outcome=wanted.value)
    record_audit(
        session,
        actor,
        "case.outcome",
        "case",
        case.id,
        before={"outcome": None},
        after={"outcome": wanted.value, "note": case.outcome_note},
    )
    if wanted is Outcome.RECOVERED:
        await recovered_case_facts(session, case, now, _agent_id(actor))
    await session.flush()
    await announce(
        session, CaseOutcomeRecorded, actor.shop_id, case=case_payload(case), outcome=wanted.value
    )
    return case


async def do_assign_case(
    session: AsyncSession, actor: Actor, case_id: int, *, agent_id: Any, team_id: Any = None
) -> Case:
    """Give a case to an agent and/or a team of the shop (None for either takes it back)."""
    case = await load_case(session, actor, case_id, lock=True)
    agent, team = await assignee(session, actor, agent_id, team_id)
    before = {"assigned_agent_id": case.assigned_agent_id, "team_id": case.team_id}
    after = {"assigned_agent_id": agent, "team_id": team}
    if after == before:
        return case
    case.assigned_agent_id, case.team_id = agent, team
    add_timeline(session, actor, case, "assigned", before=before, after=after)
    record_audit(session, actor, "case.assign", "case", case.id, before=before, after=after)
    await session.flush()
    await announce(session, CaseAssigned, actor.shop_id, case=case_payload(case))
    return case


async def do_set_case_priority(
    session: AsyncSession, actor: Actor, case_id: int, priority: Any
) -> Case:
    """Change a case's priority. Its running SLA clocks keep their due times (as when a
    breach raises the priority): the targets were promised when the case was opened."""
    case = await load_case(session, actor, case_id, lock=True)
    wanted = choice(CasePriority, priority, "priority")
    if wanted is case.priority:
        return case
    before = case.priority
    case.priority = wanted
    case.updated_at = utcnow()
    add_timeline(session, actor, case, "priority_changed", before=before.value, after=wanted.value)
    record_audit(
        session,
        actor,
        "case.set_priority",
        "case",
        case.id,
        before={"priority": before.value},
        after={"priority": wanted.value},
    )
    await session.flush()
    await announce(session, CasePriorityChanged, actor.shop_id, case=case_payload(case))
    return case


async def do_comment_case(
    session: AsyncSession, actor: Actor, case_id: int, body: Any, *, public: bool = False
) -> CaseEvent:
    """A comment on the case's timeline: internal (``commented``, agents only), or a
    reply to the shopper (``replied``, ``public``), the first of which meets the case's
    first-response target."""
    case = await load_case(session, actor, case_id, lock=public)
    text_ = optional_text(body, "body")
    if text_ is None:
        raise Invalid("write a comment", field="body")
    entry = add_timeline(session, actor, case, "replied" if public else "commented", body=text_)
    case.updated_at = utcnow()
    if public:
        settle_first_response(session, case, case.updated_at, _agent_id(actor))
        await mail_progress(session, case, text_)
    await session.flush()
    record_audit(session, actor, "case.comment", "case", case.id, after={"event_id": entry.id})
    await announce(
        session,
        CaseCommented,
        actor.shop_id,
        case_id=case.id,
        event_id=entry.id,
        body=text_,
        public=public,
    )
    return entry
