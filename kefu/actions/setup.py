"""Creating shops and their first owner (CLI, demo, tests)."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.base import record_audit, snapshot
from kefu.errors import Conflict, Invalid
from kefu.lib.secrets import hash_password, new_token, password_problem
from kefu.models import Agent, Level, Role, Shop, User

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


async def do_create_shop(session: AsyncSession, slug: str, name: str, **fields: object) -> Shop:
    if not SLUG.match(slug):
        raise Invalid("slug must be 2–63 lower-case letters, digits or dashes", field="slug")
    if await session.scalar(select(Shop.id).where(Shop.slug == slug)) is not None:
        raise Conflict(f"a shop with slug {slug!r} exists already", field="slug")
    shop = Shop(slug=slug, name=name, widget_secret=new_token(32), **fields)
    session.add(shop)
    await session.flush()
    record_audit(
        session, Actor.system(shop.id), "shop.create", "shop", shop.id, after=snapshot(shop)
    )
    return shop


async def find_or_create_user(
    session: AsyncSession,
    email: str,
    name: str,
    password: str,
    *,
    must_change_password: bool = False,
) -> User:
    """The user with this e-mail (untouched), or a new one with this password.

    ``must_change_password`` is for a password someone else typed (an admin adding an
    agent): the new user replaces it at first login, so only they know their password."""
    email = email.strip().lower()
    user = await session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None:
        return user
    if "@" not in email:
        raise Invalid("e-mail address looks wrong", field="email")
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, field="password")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    await session.flush()
    return user


async def do_create_owner(
    session: AsyncSession, slug: str, shop_name: str, email: str, name: str, password: str
) -> Agent:
    """Create the shop if needed and make the user its owner."""
    shop = await session.scalar(select(Shop).where(Shop.slug == slug))
    if shop is None:
        shop = await do_create_shop(session, slug, shop_name)
    user = await find_or_create_user(session, email, name, password)
    agent = await session.scalar(
        select(Agent).where(Agent.shop_id == shop.id, Agent.user_id == user.id)
    )
    if agent is None:
        agent = Agent(shop_id=shop.id, user_id=user.id, display_name=name)
        session.add(agent)
    agent.role = Role.OWNER
    agent.level = Level.SENIOR
    agent.can_view_contact = True
    agent.active = True
    await session.flush()
    record_audit(
        session, Actor.system(shop.id), "agent.make_owner", "agent", agent.id, after=snapshot(agent)
    )
    return agent
