"""The logged-in person: who they are, their current shop, the shops they can switch to,
and their own presence."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from kefu.access import Actor
from kefu.actions.agents import do_set_presence
from kefu.errors import Forbidden
from kefu.models import Level, Presence, Role, User
from kefu.queries.auth import shops_of_user
from kefu.queries.people import get_agent
from kefu.queries.shops import get_shop
from kefu.web.api.v1.agents import AgentOut, agent_out
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/me", tags=["me"], responses=ERROR_RESPONSES)


class UserOut(ApiModel):
    id: int
    email: str
    name: str
    locale: str | None = Field(description="Preferred UI language, if chosen")
    must_change_password: bool = Field(description="True after an admin reset the password")


class ShopRef(ApiModel):
    id: int
    slug: str
    name: str


class CurrentShopOut(ShopRef):
    timezone: str
    locale: str
    currency: str


class MeOut(ApiModel):
    user: UserOut
    shop: CurrentShopOut = Field(description="The shop this login is working in")
    role: Role
    level: Level
    agent: AgentOut = Field(description="The person's agent record in the current shop")
    shops: list[ShopRef] = Field(description="Every shop the person can switch to")


class PresenceIn(ApiModel):
    presence: Presence


def _require_person(actor: Actor) -> int:
    if actor.kind != "agent" or actor.id is None or actor.user_id is None:
        raise Forbidden("only a logged-in person has a profile; API keys do not")
    return actor.id


@router.get("", summary="Who I am, my current shop and the shops I can switch to")
async def read_me(session: SessionDep, actor: ActorDep) -> MeOut:
    agent = await get_agent(session, actor, _require_person(actor))
    user = await session.get_one(User, actor.user_id)
    return MeOut(
        user=UserOut.model_validate(user),
        shop=CurrentShopOut.model_validate(await get_shop(session, actor)),
        role=agent.role,
        level=agent.level,
        agent=await agent_out(session, actor, agent),
        shops=[ShopRef.model_validate(s) for s in await shops_of_user(session, user.id)],
    )


@router.put("/presence", summary="Set my status: online, away or offline")
async def set_presence(body: PresenceIn, session: SessionDep, actor: ActorDep) -> AgentOut:
    _require_person(actor)
    agent = await do_set_presence(session, actor, body.presence)
    await session.commit()
    return await agent_out(session, actor, agent)
