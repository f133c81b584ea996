"""Turning a cookie or an API key into an ``Actor``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.errors import Forbidden, Unauthenticated
from kefu.lib.secrets import sha256_hex
from kefu.lib.tokens import read_visitor_token
from kefu.models import Agent, ApiKey, LoginSession, Shop, User, Visitor
from kefu.models.base import utcnow

API_KEY_PREFIX = "kefu_"
# Writing last_used_at on every request would turn reads into writes; a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


async def login_from_token(
    session: AsyncSession, token: str | None
) -> tuple[LoginSession, User] | None:
    """The live login and its user for a session cookie, or None."""
    if not token:
        return None
    login = await session.get(LoginSession, sha256_hex(token))
    if login is None or login.expires_at <= utcnow():
        return None
    user = await session.get(User, login.user_id)
    return (login, user) if user is not None else None


async def agent_actor(session: AsyncSession, user: User, shop_id: int | None) -> Actor:
    """The actor for a logged-in user in their current shop."""
    if shop_id is None:
        raise Forbidden("choose a shop first")
    agent = await session.scalar(
        select(Agent).where(
            Agent.user_id == user.id, Agent.shop_id == shop_id, Agent.active.is_(True)
        )
    )
    if agent is None:
        raise Forbidden("you are no longer an agent of this shop")
    return Actor.agent(
        shop_id,
        agent.id,
        agent.display_name,
        agent.role,
        can_view_contact=agent.can_view_contact,
        user_id=user.id,
    )


async def api_key_actor(session: AsyncSession, raw_key: str) -> Actor:
    """The actor for an ``Authorization: Bearer kefu_…`` key; records when it was used."""
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == sha256_hex(raw_key)))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("API key is unknown or revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.commit()
    return Actor.api_key(key.shop_id, key.id, f"API key {key.name} ({key.prefix}…)")


async def shops_of_user(session: AsyncSession, user_id: int) -> list[Shop]:
    """The shops a user can switch between."""
    return list(
        await session.scalars(
            select(Shop)
            .join(Agent, Agent.shop_id == Shop.id)
            .where(Agent.user_id == user_id, Agent.active.is_(True))
            .order_by(Shop.name)
        )
    )


async def visitor_actor(session: AsyncSession, secret: str, token: str | None) -> Actor:
    """The actor for a widget's signed visitor token."""
    found = read_visitor_token(secret, token)
    visitor = None
    if found is not None:
        shop_id, public_id = found
        visitor = await session.scalar(
            select(Visitor).where(Visitor.shop_id == shop_id, Visitor.public_id == public_id)
        )
    if visitor is None:
        raise Unauthenticated("the visitor token is missing or not valid; reload the page")
    return Actor.visitor(visitor.shop_id, visitor.id, visitor.public_id)
