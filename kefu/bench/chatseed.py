"""The people of ``kefu bench chat``: a demo shop built through the actions, its agents
logged in, and shoppers (widget visitors) each with an open conversation assigned to one
of the agents, as the widget and a supervisor would have made them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.auth import do_login
from kefu.actions.conversations import do_assign_conversation, do_start_conversation
from kefu.actions.visitors import do_identify_visitor, shop_by_slug
from kefu.db import make_engine, make_sessionmaker
from kefu.demo import staff
from kefu.demo.build import build_demo
from kefu.errors import Invalid
from kefu.lib.tokens import sign_visitor_token
from kefu.models import Agent
from kefu.queries.auth import visitor_actor
from kefu.settings import Settings


@dataclass(frozen=True, slots=True)
class Shopper:
    token: str
    conversation_id: int
    agent_key: str  # which agent socket hears this conversation


@dataclass(frozen=True, slots=True)
class Participants:
    agents: dict[str, str]  # agent key → session cookie value
    shoppers: list[Shopper]


async def seed(url: str, secret: str, *, shopper_count: int, agent_count: int) -> Participants:
    if agent_count > len(staff.AGENTS):
        raise Invalid(f"the demo shop has {len(staff.AGENTS)} agents", field="agents")
    settings = Settings(database_url=url, secret_key=secret)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            summary = await build_demo(session)
            await session.commit()
            agents: dict[str, str] = {}
            agent_ids: dict[str, int] = {}
            for person in staff.AGENTS[:agent_count]:
                login = await do_login(session, settings, person.email, staff.DEMO_PASSWORD)
                await session.commit()
                agents[person.key] = login.token
                agent_ids[person.key] = login.user.id
            agent_ids = await _agent_ids(session, summary.shop_id, agent_ids)
            shoppers = await _shoppers(session, secret, shopper_count, agent_ids)
            await session.commit()
    finally:
        await engine.dispose()
    return Participants(agents, shoppers)


async def _agent_ids(
    session: AsyncSession, shop_id: int, user_ids: dict[str, int]
) -> dict[str, int]:
    """Agent ids (one per user in the shop) by person key."""
    rows = await session.execute(select(Agent.user_id, Agent.id).where(Agent.shop_id == shop_id))
    by_user = dict(rows.all())
    return {key: by_user[user_id] for key, user_id in user_ids.items()}


async def _shoppers(
    session: AsyncSession, secret: str, count: int, agent_ids: dict[str, int]
) -> list[Shopper]:
    shop = await shop_by_slug(session, staff.SLUG)
    supervisor = Actor.system(shop.id, "kefu bench")
    keys = list(agent_ids)
    shoppers = []
    for n in range(count):
        visitor = await do_identify_visitor(
            session, shop, public_id=None, user_agent="kefu-bench", page="/demo/store"
        )
        token = sign_visitor_token(secret, shop.id, visitor.public_id)
        actor = await visitor_actor(session, secret, token)
        conversation = await do_start_conversation(session, actor, skill="presale")
        key = keys[n % len(keys)]
        await do_assign_conversation(session, supervisor, conversation.id, agent_id=agent_ids[key])
        shoppers.append(Shopper(token, conversation.id, key))
    return shoppers
