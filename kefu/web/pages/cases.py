"""The case list (/cases): filters, the nearest due first, an SLA countdown per row,
cursor paging and the filtered list as CSV.

Filters travel in the query string (``VIEW_FIELDS``), so a filtered list is a link; a
value that is not one of a filter's choices is ignored, like the other list pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.lib.cases import CasePriority, CaseStatus, CaseType
from kefu.lib.tables import BOM
from kefu.models import Agent
from kefu.queries.cases import (
    VIEW_FIELDS,
    Assignee,
    SlaFilter,
    export_cases_csv,
    list_cases,
    view_filters,
)
from kefu.queries.pagination import MAX_LIMIT
from kefu.queries.people import list_agents
from kefu.web.deps import SessionDep
from kefu.web.pages.context import Page, PageDep
from kefu.web.pages.rendering import render_list

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25


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


@router.get("/cases")
async def cases_page(
    request: Request, session: SessionDep, page: PageDep, cursor: str = ""
) -> Response:
    filters = chosen_filters(request.query_params)
    case_filters, sort = view_filters(filters, page.actor.id)
    result = await list_cases(
        session, page.actor, case_filters, cursor=cursor or None, limit=PAGE_SIZE, sort=sort
    )
    agents = await shop_agents(session, page)
    context = {
        "result": result,
        "filters": filters,
        "paged": bool(cursor),
        "agents": agents,
        "names": {a.id: a.display_name for a in agents},
        **filter_choices(),
    }
    return render_list(request, "cases/index.html", "cases/_table.html", context)


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
