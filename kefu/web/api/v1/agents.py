"""Agents of the shop: list, read, add, edit, deactivate, reactivate, reset a password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.agents import (
    MAX_CHATS,
    do_create_agent,
    do_deactivate_agent,
    do_reactivate_agent,
    do_reset_password,
    do_update_agent,
)
from kefu.models import Agent, Level, Presence, Role, Skill
from kefu.models.base import MAX_ID
from kefu.queries.people import get_agent, list_agents, teams_by_agent
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

router = APIRouter(prefix="/agents", tags=["agents"], responses=ERROR_RESPONSES)

Name = Annotated[str, Field(min_length=1, max_length=100, description="Shown to colleagues")]
Chats = Annotated[
    int, Field(ge=0, le=MAX_CHATS, description="Chats this agent handles at once at most")
]


class AgentOut(ApiModel):
    id: int
    user_id: int
    email: str = Field(description="The person's login e-mail")
    display_name: str
    role: Role
    level: Level = Field(description="junior 初级, intermediate 中级, senior 高级")
    skills: list[Skill] = Field(
        description="presale 售前, insale 售中, aftersale 售后, complaint 投诉"
    )
    presence: Presence
    max_concurrent_chats: int
    can_view_contact: bool = Field(description="Sees customers' full phone numbers and e-mails")
    active: bool = Field(description="False once deactivated: the person can no longer log in")
    team_ids: list[int]
    created_at: datetime


class AgentIn(ApiModel):
    email: str = Field(min_length=3, max_length=254, description="Login e-mail")
    name: Name
    password: str = Field(
        min_length=8,
        max_length=200,
        description="Initial password; ignored if the person already has a Kefu account",
    )
    role: Role = Role.AGENT
    level: Level = Level.JUNIOR
    skills: list[Skill] = Field(default_factory=list)
    max_concurrent_chats: Chats = 5
    can_view_contact: bool = False
    team_ids: list[RowId] = Field(default_factory=list)


class AgentPatch(ApiModel):
    """Only the fields sent are changed."""

    display_name: Name | None = None
    role: Role | None = None
    level: Level | None = Field(
        None,
        description="Only the agent's current level (a 422 otherwise): promote or demote "
        "with POST /api/v1/agents/{agent_id}/level, where the promotion criteria apply",
    )
    skills: list[Skill] | None = None
    max_concurrent_chats: Chats | None = None
    can_view_contact: bool | None = None
    team_ids: list[RowId] | None = Field(None, description="Replaces the agent's teams")


class TemporaryPasswordOut(ApiModel):
    temporary_password: str = Field(
        description="Shown only this once; the person must change it at the next login"
    )


async def agents_out(session: AsyncSession, actor: Actor, agents: list[Agent]) -> list[AgentOut]:
    """Agents with their e-mail and teams, as the API shows them."""
    teams = await teams_by_agent(session, actor, [a.id for a in agents])
    columns = set(AgentOut.model_fields) - {"email", "team_ids"}
    return [
        AgentOut.model_validate(
            {key: getattr(agent, key) for key in columns}
            | {"email": agent.user.email, "team_ids": teams.get(agent.id, [])}
        )
        for agent in agents
    ]


async def agent_out(session: AsyncSession, actor: Actor, agent: Agent) -> AgentOut:
    return (await agents_out(session, actor, [agent]))[0]


@router.get("", summary="List agents")
async def get_agents(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    q: Annotated[str | None, Query(description="Words in the name or e-mail")] = None,
    role: Role | None = None,
    presence: Presence | None = None,
    active: bool | None = None,
    team_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only members of this team")
    ] = None,
) -> PageOut[AgentOut]:
    page = await list_agents(
        session,
        actor,
        q=q,
        role=role,
        presence=presence,
        active=active,
        team_id=team_id,
        cursor=cursor,
        limit=limit,
    )
    items = await agents_out(session, actor, list(page.items))
    return PageOut[AgentOut](items=items, next_cursor=page.next_cursor)


@router.post("", status_code=201, summary="Add an agent (an existing account is reused)")
async def create_agent(body: AgentIn, session: SessionDep, actor: ActorDep) -> AgentOut:
    agent = await do_create_agent(session, actor, **body.model_dump())
    await session.commit()
    return await agent_out(session, actor, agent)


@router.get("/{agent_id}", summary="Read one agent")
async def read_agent(agent_id: IdPath, session: SessionDep, actor: ActorDep) -> AgentOut:
    return await agent_out(session, actor, await get_agent(session, actor, agent_id))


@router.patch("/{agent_id}", summary="Change an agent's name, role, skills, teams …")
async def update_agent(
    agent_id: IdPath, body: AgentPatch, session: SessionDep, actor: ActorDep
) -> AgentOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    agent = await do_update_agent(session, actor, agent_id, **changes)
    await session.commit()
    return await agent_out(session, actor, agent)


@router.post("/{agent_id}/deactivate", summary="Deactivate an agent (they can no longer log in)")
async def deactivate_agent(agent_id: IdPath, session: SessionDep, actor: ActorDep) -> AgentOut:
    agent = await do_deactivate_agent(session, actor, agent_id)
    await session.commit()
    return await agent_out(session, actor, agent)


@router.post("/{agent_id}/reactivate", summary="Let a deactivated agent work again")
async def reactivate_agent(agent_id: IdPath, session: SessionDep, actor: ActorDep) -> AgentOut:
    agent = await do_reactivate_agent(session, actor, agent_id)
    await session.commit()
    return await agent_out(session, actor, agent)


@router.post(
    "/{agent_id}/reset-password",
    summary="Give the agent a temporary password and log them out everywhere",
)
async def reset_password(
    agent_id: IdPath, session: SessionDep, actor: ActorDep
) -> TemporaryPasswordOut:
    password = await do_reset_password(session, actor, agent_id)
    await session.commit()
    return TemporaryPasswordOut(temporary_password=password)
