"""The audit log (owners only): who changed what, when, before and after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.queries.audit import list_audit
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, CursorQuery, LimitQuery, PageOut
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)

ActorKind = Literal["agent", "api_key", "system"]


class AuditOut(ApiModel):
    id: int
    at: datetime
    actor_kind: ActorKind = Field(description="A person (agent), an API key, or Kefu itself")
    actor_id: int | None
    actor_label: str = Field(description="Who, as they were named at the time")
    action: str = Field(description="What, e.g. agent.create, shop.set_business_hours")
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None = Field(description="Changed fields before; secrets left out")
    after: dict[str, Any] | None = Field(description="Changed fields after; secrets left out")


@router.get("", summary="Read the audit log, newest first")
async def get_audit(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    entity: Annotated[str | None, Query(description="e.g. agent, team, shop, api_key")] = None,
    actor_kind: ActorKind | None = None,
    action: Annotated[str | None, Query(description="e.g. agent.update")] = None,
    date_from: Annotated[
        date | None, Query(description="First day, inclusive, in the shop's time zone")
    ] = None,
    date_to: Annotated[
        date | None, Query(description="Day after the last, exclusive, in the shop's time zone")
    ] = None,
) -> PageOut[AuditOut]:
    page = await list_audit(
        session,
        actor,
        entity=entity,
        actor_kind=actor_kind,
        action=action,
        date_from=date_from,
        date_to=date_to,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, AuditOut)
