"""After-sales cases: open, list (with filters, as CSV too), read with the timeline, move
along the workflow, assign, comment; compensations and their approval."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime, Field

from kefu.actions.case_bulk import MAX_BULK, BulkAction, do_bulk_cases
from kefu.actions.cases import (
    do_assign_case,
    do_comment_case,
    do_open_case,
    do_set_case_outcome,
    do_transition_case,
)
from kefu.actions.compensations import do_decide_compensation, do_offer_compensation
from kefu.lib.cases import CasePriority, CaseStatus, CaseType, CompensationKind, Outcome
from kefu.lib.sla import SlaState
from kefu.models import CaseSource, CompensationStatus, RatingChannel
from kefu.queries.cases import (
    CaseFilters,
    CaseSort,
    FollowUpFilter,
    SlaFilter,
    export_cases_csv,
    get_case,
    list_cases,
    list_compensations,
)
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
    RowId,
)
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)


class EvidenceIn(ApiModel):
    """What the case type requires (see docs/cases.md); anything given is kept."""

    photo_upload_ids: list[RowId] | None = Field(
        None, description="Images sent in a conversation (damaged, wrong item, quality)"
    )
    tracking_no: str | None = Field(None, max_length=64, description="Lost or late parcels")
    batch_no: str | None = Field(None, max_length=64, description="Quality problems (批次号)")
    customs_status: str | None = Field(None, max_length=100, description="Cross-border (跨境)")


class CaseIn(ApiModel):
    type: CaseType
    title: str = Field(min_length=1, max_length=200, examples=["收到的杯子碎了"])
    description: str | None = Field(None, max_length=4000)
    priority: CasePriority = CasePriority.NORMAL
    conversation_id: RowId | None = Field(None, description="Opened from this conversation")
    order_line_id: RowId | None = Field(None, description="About this order line")
    order_id: RowId | None = Field(None, description="About this order (implied by the line)")
    customer_id: RowId | None = Field(None, description="Implied by the order or conversation")
    evidence: EvidenceIn | None = None
    custom_fields: dict[str, Any] | None = Field(
        None, description="Checked against the shop's JSON schema for the type"
    )
    assigned_agent_id: RowId | None = None
    team_id: RowId | None = None


class CaseOut(ApiModel):
    id: int
    number: int = Field(description="The case's number within the shop (1, 2, …)")
    type: CaseType
    status: CaseStatus
    priority: CasePriority
    source: CaseSource
    title: str
    description: str | None
    customer_id: int | None
    conversation_id: int | None
    order_id: int | None
    order_line_id: int | None
    assigned_agent_id: int | None
    team_id: int | None
    evidence: dict[str, Any]
    custom_fields: dict[str, Any]
    created_at: AwareDatetime
    updated_at: AwareDatetime
    resolved_at: AwareDatetime | None
    closed_at: AwareDatetime | None
    first_response_due_at: AwareDatetime | None = Field(
        description="When the first reply to the shopper is due (business hours counted)"
    )
    first_responded_at: AwareDatetime | None
    first_response_sla: SlaState | None = Field(
        description="pending, warned (80 % used), breached, met; null: no clock"
    )
    resolve_due_at: AwareDatetime | None = Field(description="When resolution is due")
    resolve_sla: SlaState | None
    sla_paused_at: AwareDatetime | None = Field(
        description="Since when the clocks stand still (waiting on the shopper)"
    )
    follow_up_due_at: AwareDatetime | None = Field(
        description="A follow-up (complaint, review follow-up): when the shopper must have "
        "been called back (the shop's follow_up_hours after opening); null for other types"
    )
    outcome: Outcome | None = Field(
        description="How the follow-up ended (recovered counts for the service-recovery "
        "rate); null: not yet, or not a follow-up"
    )
    outcome_note: str | None
    outcome_at: AwareDatetime | None


class TimelineEntryOut(ApiModel):
    id: int
    at: AwareDatetime
    actor_kind: str
    actor_label: str
    kind: str = Field(
        description="created, status_changed, assigned, priority_changed, commented, replied, "
        "compensation, "
        "compensation_decided, sla_warning, sla_breached, outcome (data.outcome), "
        "rated (data.rating; body: the shopper's comment)"
    )
    from_status: CaseStatus | None
    to_status: CaseStatus | None
    body: str | None = Field(description="An internal comment or a note")
    data: dict[str, Any]


class CompensationIn(ApiModel):
    kind: CompensationKind
    amount_cents: int | None = Field(
        None,
        ge=0,
        description="Money back (refund) or what it costs the shop; a refund without it "
        "refunds all that is left on the line",
    )
    order_line_id: RowId | None = Field(None, description="Defaults to the case's order line")
    note: str | None = Field(None, max_length=500)


class CompensationOut(ApiModel):
    id: int
    case_id: int
    order_id: int | None
    order_line_id: int | None
    kind: CompensationKind
    amount_cents: int
    status: CompensationStatus
    note: str | None
    requested_by_label: str
    decided_by_label: str | None
    decided_at: AwareDatetime | None
    decision_note: str | None
    created_at: AwareDatetime


class CaseRatingOut(ApiModel):
    rating: int = Field(description="The shopper's satisfaction, 1–5 stars")
    comment: str | None
    agent_id: int | None = Field(description="The case's assignee when it was rated")
    channel: RatingChannel = Field(description="widget or email (the link of a progress mail)")
    rated_at: AwareDatetime


class CaseDetailOut(CaseOut):
    timeline: list[TimelineEntryOut]
    compensations: list[CompensationOut]
    rating: CaseRatingOut | None = Field(
        description="The shopper's rating of the finished case (null: not rated yet)"
    )


class TransitionIn(ApiModel):
    to: CaseStatus
    note: str | None = Field(None, max_length=4000, examples=["已联系仓库补发"])


class AssignIn(ApiModel):
    agent_id: RowId | None = Field(description="null takes the case back from its agent")
    team_id: RowId | None = None


class CommentIn(ApiModel):
    body: str = Field(min_length=1, max_length=4000, examples=["顾客要求先补发再退差价"])
    public: bool = Field(
        False,
        description="A reply to the shopper (the first meets the first-response target); "
        "false: an internal comment",
    )


class OutcomeIn(ApiModel):
    outcome: Outcome = Field(description="recovered (挽回) or not_recovered")
    note: str | None = Field(None, max_length=4000, examples=["已电话回访，客户接受补偿并改为好评"])


class DecisionIn(ApiModel):
    approve: bool
    note: str | None = Field(None, max_length=500)


def _filters(
    status: CaseStatus | None = None,
    type: CaseType | None = None,
    priority: CasePriority | None = None,
    assigned_agent_id: int | None = None,
    team_id: int | None = None,
    customer_id: int | None = None,
    order_id: int | None = None,
    sla: SlaFilter | None = None,
    unassigned: Annotated[bool, Query(description="Only the cases nobody holds")] = False,
    follow_up: Annotated[
        FollowUpFilter | None,
        Query(description="Follow-ups without an outcome: due (all), overdue (past due)"),
    ] = None,
) -> CaseFilters:
    return CaseFilters(
        status,
        type,
        priority,
        assigned_agent_id,
        team_id,
        customer_id,
        order_id,
        sla,
        unassigned,
        follow_up,
    )


FiltersDep = Annotated[CaseFilters, Depends(_filters)]


@router.get("/cases", summary="List cases, newest first or the nearest due first")
async def get_cases(
    session: SessionDep,
    actor: ActorDep,
    filters: FiltersDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    sort: CaseSort = CaseSort.NEWEST,
) -> PageOut[CaseOut]:
    page = await list_cases(session, actor, filters, cursor=cursor, limit=limit, sort=sort)
    return PageOut.of(page, CaseOut)


@router.get(
    "/cases/export.csv",
    summary="The case list as CSV (same filters)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_cases(session: SessionDep, actor: ActorDep, filters: FiltersDep) -> Response:
    body = await export_cases_csv(session, actor, filters)
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


class BulkIn(ApiModel):
    case_ids: list[RowId] = Field(min_length=1, max_length=MAX_BULK, examples=[[12, 13]])
    action: BulkAction = Field(
        description="assign (agent_id, team_id), priority (priority) or transition (to, note)"
    )
    agent_id: RowId | None = Field(None, description="assign: null takes the cases back")
    team_id: RowId | None = None
    priority: CasePriority | None = None
    to: CaseStatus | None = None
    note: str | None = Field(None, max_length=4000)


class BulkErrorOut(ApiModel):
    code: str = Field(description="not_found, illegal_transition …")
    message: str


class BulkOutcomeOut(ApiModel):
    case_id: int
    ok: bool
    case: CaseOut | None = Field(description="The case as changed; null when refused")
    error: BulkErrorOut | None = Field(description="Why this case was left as it was")


class BulkOut(ApiModel):
    applied: int
    refused: int
    results: list[BulkOutcomeOut] = Field(description="One per case, in the order given")


@router.post(
    "/cases/bulk",
    summary="Assign, reprioritise or move many cases at once",
    description="Each case goes through the same checks as one at a time; a case that "
    "cannot be changed (another shop's, an illegal transition) is reported in its result "
    "and the others are changed.",
)
async def bulk_cases(body: BulkIn, session: SessionDep, actor: ActorDep) -> BulkOut:
    outcomes = await do_bulk_cases(
        session,
        actor,
        body.case_ids,
        body.action,
        **body.model_dump(exclude={"case_ids", "action"}),
    )
    await session.commit()
    results = [
        BulkOutcomeOut(
            case_id=o.case_id,
            ok=o.ok,
            case=CaseOut.model_validate(o.case) if o.case else None,
            error=None if o.ok else BulkErrorOut(code=o.code or "", message=o.message or ""),
        )
        for o in outcomes
    ]
    applied = sum(o.ok for o in outcomes)
    return BulkOut(applied=applied, refused=len(outcomes) - applied, results=results)


@router.post("/cases", status_code=201, summary="Open a case")
async def open_case(body: CaseIn, session: SessionDep, actor: ActorDep) -> CaseOut:
    fields = body.model_dump(exclude_none=True)
    if body.evidence is not None:
        fields["evidence"] = body.evidence.model_dump(exclude_none=True)
    case = await do_open_case(session, actor, **fields)
    await session.commit()
    return CaseOut.model_validate(case)


async def _detail(session: SessionDep, actor: ActorDep, case_id: int) -> CaseDetailOut:
    detail = await get_case(session, actor, case_id)
    return CaseDetailOut.model_validate(
        CaseOut.model_validate(detail.case).model_dump()
        | {
            "timeline": [TimelineEntryOut.model_validate(e) for e in detail.timeline],
            "compensations": [CompensationOut.model_validate(c) for c in detail.compensations],
            "rating": detail.rating and CaseRatingOut.model_validate(detail.rating),
        }
    )


@router.get("/cases/{case_id}", summary="Read a case with its timeline and compensations")
async def read_case(case_id: IdPath, session: SessionDep, actor: ActorDep) -> CaseDetailOut:
    return await _detail(session, actor, case_id)


@router.post("/cases/{case_id}/transition", summary="Move a case along the workflow")
async def transition_case(
    case_id: IdPath, body: TransitionIn, session: SessionDep, actor: ActorDep
) -> CaseOut:
    case = await do_transition_case(session, actor, case_id, body.to, note=body.note)
    await session.commit()
    return CaseOut.model_validate(case)


@router.post(
    "/cases/{case_id}/outcome",
    summary="End a follow-up (回访) recovered or not_recovered, with a note",
    description="Only complaint and review follow-up cases, once (409 otherwise); "
    "recovered counts for the service-recovery rate (docs/kpis.md).",
)
async def set_case_outcome(
    case_id: IdPath, body: OutcomeIn, session: SessionDep, actor: ActorDep
) -> CaseOut:
    case = await do_set_case_outcome(session, actor, case_id, body.outcome, note=body.note)
    await session.commit()
    return CaseOut.model_validate(case)


@router.post("/cases/{case_id}/assign", summary="Give a case to an agent and/or a team")
async def assign_case(
    case_id: IdPath, body: AssignIn, session: SessionDep, actor: ActorDep
) -> CaseOut:
    case = await do_assign_case(
        session, actor, case_id, agent_id=body.agent_id, team_id=body.team_id
    )
    await session.commit()
    return CaseOut.model_validate(case)


@router.post(
    "/cases/{case_id}/comments",
    status_code=201,
    summary="Add an internal comment, or reply to the shopper (public)",
)
async def comment_case(
    case_id: IdPath, body: CommentIn, session: SessionDep, actor: ActorDep
) -> TimelineEntryOut:
    entry = await do_comment_case(session, actor, case_id, body.body, public=body.public)
    await session.commit()
    return TimelineEntryOut.model_validate(entry)


@router.post(
    "/cases/{case_id}/compensations",
    status_code=201,
    summary="Grant a compensation, or request it above your limit",
)
async def offer_compensation(
    case_id: IdPath, body: CompensationIn, session: SessionDep, actor: ActorDep
) -> CompensationOut:
    entry = await do_offer_compensation(
        session,
        actor,
        case_id,
        kind=body.kind,
        amount_cents=body.amount_cents,
        order_line_id=body.order_line_id,
        note=body.note,
    )
    await session.commit()
    return CompensationOut.model_validate(entry)


@router.get("/compensations", summary="List compensations, newest first")
async def get_compensations(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    status: CompensationStatus | None = None,
    case_id: int | None = None,
) -> PageOut[CompensationOut]:
    page = await list_compensations(
        session, actor, status=status, case_id=case_id, cursor=cursor, limit=limit
    )
    return PageOut.of(page, CompensationOut)


@router.post(
    "/compensations/{compensation_id}/decision",
    summary="Approve or decline a compensation waiting for approval (supervisors)",
)
async def decide_compensation(
    compensation_id: IdPath, body: DecisionIn, session: SessionDep, actor: ActorDep
) -> CompensationOut:
    entry = await do_decide_compensation(
        session, actor, compensation_id, approve=body.approve, note=body.note
    )
    await session.commit()
    return CompensationOut.model_validate(entry)
