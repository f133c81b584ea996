"""Routing for supervisors: the queue as it stands, and the shop's routing policy
(which team takes overflow, which levels each skill prefers)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import Field

from kefu.actions.routing import do_update_routing_policy
from kefu.lib.routing import Policy
from kefu.models import Level, Skill
from kefu.queries.routing import list_queue, policy_data, read_policy
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, RowId
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["routing"], responses=ERROR_RESPONSES)


class QueuedOut(ApiModel):
    conversation_id: int
    skill: Skill | None
    team_id: int | None
    customer_id: int | None
    queued_at: datetime = Field(description="Since when the shopper has waited for an agent")
    waiting_seconds: int
    position: int = Field(description="Place among the waiting conversations of its skill")


class QueueOut(ApiModel):
    items: list[QueuedOut] = Field(description="Oldest first: the order they are served in")


class LevelRuleIn(ApiModel):
    order: list[Level] = Field(max_length=3, description="Levels, most preferred first")
    before_load: bool = Field(
        False, description="true: level counts before load; false: it only breaks ties"
    )


class RoutingPolicyOut(ApiModel):
    overflow_team_id: int | None = Field(
        description="The team that takes conversations no agent of the skill has room for"
    )
    level_rules: dict[Skill, LevelRuleIn] = Field(description="Per skill: which levels to prefer")


class RoutingPolicyIn(ApiModel):
    overflow_team_id: RowId | None = Field(
        None, description="The team that takes conversations no agent of the skill has room for"
    )
    level_rules: dict[Skill, LevelRuleIn] | None = Field(
        None, description="Per skill: which levels to prefer; omitted keeps the current rules"
    )


def _policy_out(policy: Policy) -> RoutingPolicyOut:
    return RoutingPolicyOut.model_validate(policy_data(policy))


@router.get("/queue", summary="Conversations waiting for an agent, oldest first")
async def get_queue(session: SessionDep, actor: ActorDep) -> QueueOut:
    entries = await list_queue(session, actor)
    return QueueOut(
        items=[
            QueuedOut(
                conversation_id=e.conversation.id,
                skill=e.conversation.skill,
                team_id=e.conversation.team_id,
                customer_id=e.conversation.customer_id,
                queued_at=e.conversation.queued_at,
                waiting_seconds=e.waiting_seconds,
                position=e.position,
            )
            for e in entries
        ]
    )


@router.get("/shop/routing", summary="The shop's routing policy")
async def get_routing(session: SessionDep, actor: ActorDep) -> RoutingPolicyOut:
    return _policy_out(await read_policy(session, actor))


@router.put("/shop/routing", summary="Set the overflow team and level preferences")
async def put_routing(
    body: RoutingPolicyIn, session: SessionDep, actor: ActorDep
) -> RoutingPolicyOut:
    policy = await do_update_routing_policy(
        session,
        actor,
        overflow_team_id=body.overflow_team_id,
        level_rules=None
        if body.level_rules is None
        else {
            skill.value: rule.model_dump(mode="json") for skill, rule in body.level_rules.items()
        },
    )
    await session.commit()
    return _policy_out(policy)
