"""One case (/cases/{id}): its fields and evidence, SLA due times, the timeline, the moves
the workflow allows from its status, comments (internal, or a reply to the shopper),
compensations with their approval, and a follow-up's due time and outcome (回访).

Every form posts to the same actions as the API. A refusal (a move no longer allowed
because someone else moved the case first, a refund above what is left) comes back as
the case page with the reason above it, never as an error page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.cases import do_comment_case, do_set_case_outcome, do_transition_case
from kefu.actions.compensations import do_decide_compensation, do_offer_compensation
from kefu.errors import Conflict, Invalid
from kefu.lib.cases import (
    FINISHED,
    TRANSITIONS,
    CasePriority,
    CaseStatus,
    CompensationKind,
    Outcome,
)
from kefu.lib.money import decimal_to_cents
from kefu.models import Agent, CompensationStatus, Team
from kefu.models.base import utcnow
from kefu.queries.cases import get_case
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import checked, text

router = APIRouter(include_in_schema=False)

MSG_MOVED = N_("The case's status was changed.")
MSG_COMMENTED = N_("The comment was added.")
MSG_OFFERED = N_("The compensation was recorded.")
MSG_DECIDED = N_("The decision was recorded.")
MSG_OUTCOME = N_("The follow-up's outcome was recorded.")
MSG_BAD_AMOUNT = N_("Enter the amount in yuan, e.g. 12.50.")
STATUS_ORDER = list(CaseStatus)


async def _case_page(
    request: Request,
    session: AsyncSession,
    page: Page,
    case_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    detail = await get_case(session, page.actor, case_id)
    case = detail.case
    agent = await session.get(Agent, case.assigned_agent_id) if case.assigned_agent_id else None
    team = await session.get(Team, case.team_id) if case.team_id else None
    context = {
        "case": case,
        "timeline": detail.timeline,
        "compensations": detail.compensations,
        "rating": detail.rating,
        "agent": agent if agent and agent.shop_id == case.shop_id else None,
        "team": team if team and team.shop_id == case.shop_id else None,
        "moves": sorted(TRANSITIONS[case.status], key=STATUS_ORDER.index),
        "handles": page.actor.can(Permission.HANDLE_CASES),
        "approves": page.actor.can(Permission.APPROVE_COMPENSATION),
        "finished": case.status in FINISHED,
        "kinds": list(CompensationKind),
        "PENDING": CompensationStatus.PENDING_APPROVAL,
        "CasePriority": CasePriority,
        "CompensationKind": CompensationKind,
        "Outcome": Outcome,
        "outcomes": list(Outcome),
        "follow_up_overdue": case.outcome is None
        and case.follow_up_due_at is not None
        and case.follow_up_due_at <= utcnow(),
        "error": error,
    }
    return render(request, "cases/case.html", context, status_code=status)


@router.get("/cases/{case_id}")
async def case_page(
    request: Request, session: SessionDep, page: PageDep, case_id: IdPath
) -> Response:
    return await _case_page(request, session, page, case_id)


async def _act(
    request: Request,
    session: AsyncSession,
    page: Page,
    case_id: int,
    work: Callable[[FormData], Awaitable[object]],
    flash: str,
) -> Response:
    """Run one form's action: back to the case with ``flash``, or with the refusal shown
    (actions refuse before their first write, and the request's session rolls back what
    is not committed)."""
    form = await request.form()
    try:
        await work(form)
    except (Invalid, Conflict) as exc:
        return await _case_page(
            request, session, page, case_id, error=exc.message, status=exc.status
        )
    await session.commit()
    return redirect(f"/cases/{case_id}", flash=flash, request=request)


@router.post("/cases/{case_id}/transition")
async def case_transition(
    request: Request, session: SessionDep, page: PageDep, case_id: IdPath
) -> Response:
    async def work(form: FormData) -> object:
        note = text(form, "note") or None
        return await do_transition_case(session, page.actor, case_id, text(form, "to"), note=note)

    return await _act(request, session, page, case_id, work, MSG_MOVED)


@router.post("/cases/{case_id}/comments")
async def case_comment(
    request: Request, session: SessionDep, page: PageDep, case_id: IdPath
) -> Response:
    async def work(form: FormData) -> object:
        public = checked(form, "public")
        return await do_comment_case(
            session, page.actor, case_id, text(form, "body"), public=public
        )

    return await _act(request, session, page, case_id, work, MSG_COMMENTED)


@router.post("/cases/{case_id}/outcome")
async def case_outcome(
    request: Request, session: SessionDep, page: PageDep, case_id: IdPath
) -> Response:
    async def work(form: FormData) -> object:
        note = text(form, "note") or None
        return await do_set_case_outcome(
            session, page.actor, case_id, text(form, "outcome"), note=note
        )

    return await _act(request, session, page, case_id, work, MSG_OUTCOME)


def _cents(amount: str) -> int | None:
    """An amount typed in yuan as cents; empty: none given."""
    try:
        return decimal_to_cents(amount) if amount else None
    except ValueError as exc:
        raise Invalid(MSG_BAD_AMOUNT, field="amount") from exc


@router.post("/cases/{case_id}/compensations")
async def case_compensation(
    request: Request, session: SessionDep, page: PageDep, case_id: IdPath
) -> Response:
    """Offer a compensation; the amount is typed in yuan (empty: a refund of all that is
    left on the line)."""

    async def work(form: FormData) -> object:
        return await do_offer_compensation(
            session,
            page.actor,
            case_id,
            kind=text(form, "kind"),
            amount_cents=_cents(text(form, "amount")),
            note=text(form, "note") or None,
        )

    return await _act(request, session, page, case_id, work, MSG_OFFERED)


@router.post("/cases/{case_id}/compensations/{compensation_id}/decision")
async def case_decision(
    request: Request,
    session: SessionDep,
    page: PageDep,
    case_id: IdPath,
    compensation_id: IdPath,
) -> Response:
    async def work(form: FormData) -> object:
        approve = text(form, "decision") == "approve"
        note = text(form, "note") or None
        return await do_decide_compensation(
            session, page.actor, compensation_id, approve=approve, note=note
        )

    return await _act(request, session, page, case_id, work, MSG_DECIDED)
