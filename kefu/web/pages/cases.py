"""The case list (/cases): filters, the nearest due first, an SLA countdown per row,
cursor paging and the filtered list as CSV.

Filters travel in the query string (``VIEW_FIELDS``), so a filtered list is a link; a
value that is not one of a filter's choices is ignored, like the other list pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Permission
from kefu.actions.case_bulk import BulkOutcome, do_bulk_cases
from kefu.actions.case_views import do_delete_case_view, do_save_case_view
from kefu.errors import Conflict, Invalid, NotFound
from kefu.lib.cases import CasePriority, CaseStatus, CaseType
from kefu.lib.tables import BOM
from kefu.models import Agent
from kefu.models.base import utcnow
from kefu.queries.cases import (
    VIEW_FIELDS,
    Assignee,
    SlaFilter,
    case_numbers,
    export_cases_csv,
    list_case_views,
    list_cases,
    view_filters,
)
from kefu.queries.pagination import MAX_LIMIT
from kefu.queries.people import list_agents
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render, render_list
from kefu.web.pages.settings.forms import checked, ids, text

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
MSG_VIEW_SAVED = N_("The view was saved.")
MSG_VIEW_DELETED = N_("The view was deleted.")


def chosen_filters(values: Any) -> dict[str, str]:
    """The view fields of a query string or form that name one of their choices."""
    return {
        name: str(values[name])
        for name, kind in VIEW_FIELDS.items()
        if values.get(name) in {m.value for m in kind}
    }


async def shop_agents(session: AsyncSession, page: Page) -> list[Agent]:
    """The shop's active agents: the assignee names and the bulk assignment's choices."""
    return (await list_agents(session, page.actor, active=True, limit=MAX_LIMIT)).items


def filter_choices() -> dict[str, list[Any]]:
    return {
        "statuses": list(CaseStatus),
        "types": list(CaseType),
        "priorities": list(CasePriority),
        "assignees": list(Assignee),
        "slas": list(SlaFilter),
    }


async def _list_page(
    request: Request,
    session: AsyncSession,
    page: Page,
    filters: dict[str, str],
    cursor: str = "",
    *,
    error: str | None = None,
    outcomes: list[BulkOutcome] | None = None,
) -> Response:
    """The list with ``filters``, the saved views and the bulk actions' choices;
    ``error``: a refused form, shown above the list (422); ``outcomes``: what a bulk
    change did to each case chosen."""
    case_filters, sort = view_filters(filters, page.actor.id)
    result = await list_cases(
        session, page.actor, case_filters, cursor=cursor or None, limit=PAGE_SIZE, sort=sort
    )
    agents = await shop_agents(session, page)
    context = {
        "result": result,
        "filters": filters,
        "query": urlencode(filters),
        "paged": bool(cursor),
        "agents": agents,
        "names": {a.id: a.display_name for a in agents},
        "views": await list_case_views(session, page.actor),
        "shares_views": page.actor.can(Permission.SUPERVISE_CONVERSATIONS),
        "error": error,
        "now": utcnow(),  # a follow-up past its due time is marked overdue
        "outcomes": outcomes,
        "numbers": await case_numbers(
            session, page.actor, [o.case_id for o in outcomes or () if not o.ok]
        ),
        **filter_choices(),
    }
    if error or outcomes is not None:
        status = 422 if error else 200
        return render(request, "cases/index.html", context, status_code=status)
    return render_list(request, "cases/index.html", "cases/_table.html", context)


@router.get("/cases")
async def cases_page(
    request: Request, session: SessionDep, page: PageDep, cursor: str = ""
) -> Response:
    filters = chosen_filters(request.query_params)
    return await _list_page(request, session, page, filters, cursor)


@router.post("/cases/views")
async def save_view(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Save the list's current filters (the form carries them) under a name."""
    form = await request.form()
    filters = chosen_filters(form)
    try:
        await do_save_case_view(
            session,
            page.actor,
            name=text(form, "name"),
            filters=filters,
            shared=checked(form, "shared"),
        )
    except (Invalid, Conflict) as exc:
        return await _list_page(request, session, page, filters, error=exc.message)
    await session.commit()
    return redirect(f"/cases?{urlencode(filters)}", flash=MSG_VIEW_SAVED, request=request)


@router.post("/cases/views/{view_id}/delete")
async def delete_view(
    request: Request, session: SessionDep, page: PageDep, view_id: IdPath
) -> Response:
    await do_delete_case_view(session, page.actor, view_id)
    await session.commit()
    return redirect("/cases", flash=MSG_VIEW_DELETED, request=request)


@router.post("/cases/bulk")
async def bulk_change(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Apply the action bar's change to the cases ticked; the list comes back with what
    became of each (a case the workflow refuses is named with the reason)."""
    form = await request.form()
    filters = chosen_filters(form)
    agent = text(form, "agent_id")
    try:
        outcomes = await do_bulk_cases(
            session,
            page.actor,
            ids(form, "case_ids"),
            text(form, "action"),
            agent_id=int(agent) if agent.isdigit() else None,
            priority=text(form, "priority") or None,
            to=text(form, "to") or None,
        )
    except (Invalid, NotFound, Conflict) as exc:
        return await _list_page(request, session, page, filters, error=exc.message)
    await session.commit()
    return await _list_page(request, session, page, filters, outcomes=outcomes)


@router.get("/cases/export.csv")
async def cases_export(request: Request, session: SessionDep, page: PageDep) -> Response:
    """The filtered list as a spreadsheet file (UTF-8 with a BOM: Excel reads the
    Chinese), the same columns as the API's export."""
    case_filters, _sort = view_filters(chosen_filters(request.query_params), page.actor.id)
    body = await export_cases_csv(session, page.actor, case_filters)
    return Response(
        BOM + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )
