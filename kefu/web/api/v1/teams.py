"""Teams: groups of agents, optionally for one skill (售前, 售中, 售后, 投诉)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.teams import do_create_team, do_delete_team, do_update_team
from kefu.models import Skill, Team
from kefu.queries.people import list_teams, members_by_team
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath, RowId
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/teams", tags=["teams"], responses=ERROR_RESPONSES)


class TeamOut(ApiModel):
    id: int
    name: str
    skill: Skill | None = Field(description="The skill this team covers, if any")
    agent_ids: list[int] = Field(description="Members")


class TeamIn(ApiModel):
    name: str = Field(min_length=1, max_length=100, description="Unique within the shop")
    skill: Skill | None = None
    agent_ids: list[RowId] = Field(default_factory=list)


class TeamPatch(ApiModel):
    """Only the fields sent are changed; send `"skill": null` to drop the skill."""

    name: str | None = Field(None, min_length=1, max_length=100)
    skill: Skill | None = None
    agent_ids: list[RowId] | None = Field(None, description="Replaces the members")


async def _teams_out(session: AsyncSession, actor: Actor, teams: list[Team]) -> list[TeamOut]:
    members = await members_by_team(session, actor)
    return [
        TeamOut(id=t.id, name=t.name, skill=t.skill, agent_ids=members.get(t.id, [])) for t in teams
    ]


@router.get("", summary="List teams with their members")
async def get_teams(session: SessionDep, actor: ActorDep) -> list[TeamOut]:
    return await _teams_out(session, actor, await list_teams(session, actor))


@router.post("", status_code=201, summary="Create a team")
async def create_team(body: TeamIn, session: SessionDep, actor: ActorDep) -> TeamOut:
    team = await do_create_team(session, actor, **body.model_dump())
    await session.commit()
    return (await _teams_out(session, actor, [team]))[0]


@router.patch("/{team_id}", summary="Rename a team, change its skill or members")
async def update_team(
    team_id: IdPath, body: TeamPatch, session: SessionDep, actor: ActorDep
) -> TeamOut:
    team = await do_update_team(session, actor, team_id, **body.model_dump(exclude_unset=True))
    await session.commit()
    return (await _teams_out(session, actor, [team]))[0]


@router.delete("/{team_id}", status_code=204, summary="Delete a team (its agents stay)")
async def delete_team(team_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_team(session, actor, team_id)
    await session.commit()
    return Response(status_code=204)
