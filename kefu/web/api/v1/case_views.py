"""Saved views of the case list: filters an agent keeps under a name, some shared with
the shop by supervisors. People only: an API key has no views."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, ConfigDict, Field

from kefu.actions.case_views import do_delete_case_view, do_save_case_view
from kefu.lib.cases import CasePriority, CaseStatus, CaseType
from kefu.queries.cases import Assignee, CaseSort, SlaFilter, list_case_views
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)


class ViewFilters(ApiModel):
    """The case list's filters (as ``GET /api/v1/cases`` and the /cases page take them);
    a field left out does not filter."""

    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=True, extra="forbid")

    status: CaseStatus | None = None
    type: CaseType | None = None
    priority: CasePriority | None = None
    assignee: Assignee | None = Field(None, description="all, mine or unassigned")
    sla: SlaFilter | None = None
    sort: CaseSort | None = Field(None, description="due (the default) or newest")


class CaseViewIn(ApiModel):
    name: str = Field(min_length=1, max_length=100, examples=["我的超时工单"])
    filters: ViewFilters = Field(default_factory=ViewFilters)
    shared: bool = Field(False, description="Shown to the whole shop (supervisors only)")


class CaseViewOut(ApiModel):
    id: int
    agent_id: int = Field(description="Whose view it is")
    name: str
    filters: ViewFilters
    shared: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


@router.get("/case-views", summary="Your saved case views and those shared with the shop")
async def get_case_views(session: SessionDep, actor: ActorDep) -> list[CaseViewOut]:
    return [CaseViewOut.model_validate(v) for v in await list_case_views(session, actor)]


@router.post(
    "/case-views",
    status_code=201,
    summary="Save the case list's filters under a name (the same name replaces the view)",
)
async def save_case_view(body: CaseViewIn, session: SessionDep, actor: ActorDep) -> CaseViewOut:
    view = await do_save_case_view(
        session,
        actor,
        name=body.name,
        filters=body.filters.model_dump(exclude_none=True),
        shared=body.shared,
    )
    await session.commit()
    return CaseViewOut.model_validate(view)


@router.delete("/case-views/{view_id}", status_code=204, summary="Delete a saved case view")
async def delete_case_view(view_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_case_view(session, actor, view_id)
    await session.commit()
    return Response(status_code=204)
