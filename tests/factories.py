"""Factories for tests: shops, people with a live login, shop data.

Password hashing is done once per run (argon2 is slow on purpose) and the hash reused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.lib.secrets import hash_password, new_token, sha256_hex
from kefu.models import Agent, AuditEntry, Level, LoginSession, Role, Shop, Skill, User
from kefu.models.base import utcnow

PASSWORD = "correct-horse-42"


@cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass(slots=True)
class Persona:
    name: str
    email: str
    user_id: int
    agent_id: int
    shop_id: int
    shop_slug: str
    role: Role
    session_token: str
    csrf_token: str
    password: str = PASSWORD

    def actor(self) -> Actor:
        """The persona acting as it would when logged in (owners and supervisors see
        contact details, as ``make_person`` sets up)."""
        return Actor.agent(
            self.shop_id,
            self.agent_id,
            self.name,
            self.role,
            can_view_contact=self.role in (Role.OWNER, Role.SUPERVISOR),
            user_id=self.user_id,
        )


async def make_shop(session: AsyncSession, slug: str, name: str) -> Shop:
    shop = Shop(slug=slug, name=name, widget_secret=new_token())
    session.add(shop)
    await session.flush()
    return shop


async def make_person(
    session: AsyncSession,
    shop: Shop,
    name: str,
    role: Role,
    *,
    level: Level = Level.JUNIOR,
    skills: tuple[Skill, ...] = (Skill.PRESALE,),
) -> Persona:
    email = f"{name}@{shop.slug}.example"
    user = User(email=email, name=name.title(), password_hash=password_hash())
    session.add(user)
    await session.flush()
    agent = Agent(
        shop_id=shop.id,
        user_id=user.id,
        display_name=name.title(),
        role=role,
        level=level,
        skills=[s.value for s in skills],
        can_view_contact=role in (Role.OWNER, Role.SUPERVISOR),
    )
    session.add(agent)
    token, csrf = new_token(), new_token(24)
    session.add(
        LoginSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            shop_id=shop.id,
            csrf_token=csrf,
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    await session.flush()
    return Persona(name, email, user.id, agent.id, shop.id, shop.slug, role, token, csrf)


async def make_personas(session: AsyncSession) -> dict[str, Persona]:
    acme = await make_shop(session, "acme", "Acme 旗舰店")
    mart = await make_shop(session, "mallory-mart", "Mallory Mart")
    return {
        "owen": await make_person(session, acme, "owen", Role.OWNER, level=Level.SENIOR),
        "carol": await make_person(
            session,
            acme,
            "carol",
            Role.SUPERVISOR,
            level=Level.SENIOR,
            skills=(Skill.AFTERSALE, Skill.COMPLAINT),
        ),
        "alice": await make_person(session, acme, "alice", Role.AGENT),
        "bob": await make_person(
            session, acme, "bob", Role.AGENT, level=Level.INTERMEDIATE, skills=(Skill.AFTERSALE,)
        ),
        "mallory": await make_person(session, mart, "mallory", Role.OWNER),
    }


async def team_renames_around_1_november(session: AsyncSession, persona: Persona) -> None:
    """Team renames at the edges of 1 November in Shanghai (UTC+8): 23:59 the evening
    before, the first and last minute of the day, and midnight after."""
    for label, at in (
        ("10-31 23:59", datetime(2026, 10, 31, 15, 59, tzinfo=UTC)),
        ("11-01 00:00", datetime(2026, 10, 31, 16, 0, tzinfo=UTC)),
        ("11-01 23:59", datetime(2026, 11, 1, 15, 59, tzinfo=UTC)),
        ("11-02 00:00", datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
    ):
        session.add(
            AuditEntry(
                shop_id=persona.shop_id,
                actor_kind="agent",
                actor_id=persona.agent_id,
                actor_label="店主 Owen",
                action="team.update",
                entity="team",
                entity_id="1",
                before={"name": "售后组"},
                after={"name": label},
                at=at,
            )
        )
    await session.commit()
