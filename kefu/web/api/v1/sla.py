"""SLA policies of after-sales cases (owners and supervisors change them) and the SLA
attainment report."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, Field

from kefu.actions.sla import do_create_sla_policy, do_delete_sla_policy, do_update_sla_policy
from kefu.lib.cases import CasePriority, CaseType
from kefu.lib.sla import MAX_TARGET_MINUTES, Reassign
from kefu.queries.sla import list_sla_policies, sla_attainment
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath, RowId
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["sla"], responses=ERROR_RESPONSES)
MINUTES = {"ge": 1, "le": MAX_TARGET_MINUTES}


class SlaPolicyIn(ApiModel):
    case_type: CaseType | None = Field(None, description="null: cases of any type")
    priority: CasePriority | None = Field(None, description="null: cases of any priority")
    first_response_minutes: int = Field(
        description="Business minutes to the first reply to the shopper", examples=[60], **MINUTES
    )
    resolve_minutes: int = Field(
        description="Business minutes to resolution", examples=[1440], **MINUTES
    )
    raise_priority: bool = Field(True, description="A breach raises the priority one step")
    reassign: Reassign = Field(
        Reassign.OFF,
        description="On a breach, hand the case to: nobody else (off), the online agent "
        "with the case's skill (and team) who has the fewest open cases (least_loaded), a "
        "supervisor (supervisor), or the agent named in reassign_agent_id (agent)",
    )
    reassign_agent_id: RowId | None = Field(
        None, description="The agent breached cases go to; only with reassign = agent"
    )


class SlaPolicyPatch(ApiModel):
    case_type: CaseType | None = None
    priority: CasePriority | None = None
    first_response_minutes: int | None = Field(None, **MINUTES)
    resolve_minutes: int | None = Field(None, **MINUTES)
    raise_priority: bool | None = None
    reassign: Reassign | None = Field(
        None, description="Leaving agent drops reassign_agent_id unless it is given"
    )
    reassign_agent_id: RowId | None = None


class SlaPolicyOut(SlaPolicyIn):
    id: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class AttainmentOut(ApiModel):
    agent_id: int | None = Field(description="The assignee (per_agent); null: the shop")
    first_response_met: int
    first_response_breached: int
    first_response_percent: float | None = Field(description="null: nothing settled")
    resolve_met: int
    resolve_breached: int
    resolve_percent: float | None


@router.get("/sla-policies", summary="List the shop's SLA policies")
async def get_sla_policies(session: SessionDep, actor: ActorDep) -> list[SlaPolicyOut]:
    return [SlaPolicyOut.model_validate(p) for p in await list_sla_policies(session, actor)]


@router.post("/sla-policies", status_code=201, summary="Add an SLA policy")
async def create_sla_policy(
    body: SlaPolicyIn, session: SessionDep, actor: ActorDep
) -> SlaPolicyOut:
    policy = await do_create_sla_policy(session, actor, **body.model_dump())
    await session.commit()
    return SlaPolicyOut.model_validate(policy)


@router.patch("/sla-policies/{policy_id}", summary="Change an SLA policy")
async def update_sla_policy(
    policy_id: IdPath, body: SlaPolicyPatch, session: SessionDep, actor: ActorDep
) -> SlaPolicyOut:
    changes = body.model_dump(exclude_unset=True)
    policy = await do_update_sla_policy(session, actor, policy_id, **changes)
    await session.commit()
    return SlaPolicyOut.model_validate(policy)


@router.delete("/sla-policies/{policy_id}", status_code=204, summary="Remove an SLA policy")
async def delete_sla_policy(policy_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_sla_policy(session, actor, policy_id)
    await session.commit()
    return Response(status_code=204)


@router.get(
    "/sla-attainment",
    summary="Share of SLA targets met, for cases opened in a period (default: 30 days)",
)
async def get_sla_attainment(
    session: SessionDep,
    actor: ActorDep,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    per_agent: bool = False,
) -> list[AttainmentOut]:
    rows = await sla_attainment(session, actor, start, end, per_agent=per_agent)
    return [AttainmentOut.model_validate(row) for row in rows]
