"""Managing a shop's agents: add, edit, promote, deactivate, reset a password, own presence.

Owners and supervisors manage agents, but only owners may make or change owners, and a
shop always keeps at least one active owner so it can never lock itself out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.auth import announce_session_end
from kefu.actions.base import publish_on_commit, record_audit, snapshot
from kefu.actions.checks import check_known, choice, clean_email, clean_text, replace_memberships
from kefu.actions.routing import (
    do_drain_queue,
    do_requeue_agent_conversations,
    lock_routing,
    routing_actor,
)
from kefu.actions.setup import find_or_create_user
from kefu.errors import Conflict, Forbidden, Invalid
from kefu.events import AgentChanged
from kefu.lib.secrets import hash_password, temporary_password
from kefu.models import Agent, Level, LoginSession, Presence, Role, Skill, TeamMember, User
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned
from kefu.reports.activity_facts import presence_changed
from kefu.reports.growth import Assessment, assess_agents

MAX_CHATS = 50
MAX_REASON = 500
LEVEL_RANK = {level: rank for rank, level in enumerate(Level)}
# Changes that can let a waiting conversation through to this agent.
ROUTING_FIELDS = frozenset({"level", "skills", "max_concurrent_chats", "team_ids"})
UPDATABLE = frozenset(
    {
        "display_name",
        "role",
        "level",
        "skills",
        "max_concurrent_chats",
        "can_view_contact",
        "team_ids",
    }
)


async def load_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    """An agent of the actor's shop that the actor may manage (NotFound for other shops)."""
    return await fetch_owned(
        session, actor, Agent, agent_id, "agent", permission=Permission.MANAGE_AGENTS
    )


async def agent_team_ids(session: AsyncSession, agent_id: int) -> list[int]:
    return sorted(
        await session.scalars(select(TeamMember.team_id).where(TeamMember.agent_id == agent_id))
    )


async def _audit_view(session: AsyncSession, agent: Agent) -> dict[str, Any]:
    """The agent as the audit log shows it: columns, e-mail and teams."""
    return snapshot(agent) | {
        "email": agent.user.email,
        "team_ids": await agent_team_ids(session, agent.id),
    }


def _announce(session: AsyncSession, agent: Agent, change: str) -> None:
    publish_on_commit(
        session,
        AgentChanged(
            agent.shop_id,
            {
                "agent_id": agent.id,
                "change": change,
                "display_name": agent.display_name,
                "role": agent.role.value,
                "presence": agent.presence.value,
                "active": agent.active,
            },
            frozenset({f"shop:{agent.shop_id}"}),
        ),
    )


def _check_may_grant(actor: Actor, role: Role) -> None:
    if role == Role.OWNER and actor.role != Role.OWNER and actor.kind != "system":
        raise Forbidden("only an owner can make someone an owner", field="role")


def _check_may_change(actor: Actor, agent: Agent) -> None:
    if agent.role == Role.OWNER and actor.role != Role.OWNER and actor.kind != "system":
        raise Forbidden("only an owner can change an owner")


async def _check_not_last_owner(session: AsyncSession, agent: Agent) -> None:
    """Refuse to leave the shop without an active owner."""
    if agent.role != Role.OWNER or not agent.active:
        return
    # Lock the owner rows (PostgreSQL) so two owners demoting each other at once cannot
    # both see the other as the remaining owner; SQLite serialises writers anyway.
    owners = await session.scalars(
        select(Agent.id)
        .where(Agent.shop_id == agent.shop_id, Agent.role == Role.OWNER, Agent.active.is_(True))
        .with_for_update()
    )
    if not set(owners) - {agent.id}:
        raise Conflict(
            f"{agent.display_name} is the shop's last active owner; make someone else owner first"
        )


def _clean_name(name: str) -> str:
    return clean_text(name, "display_name", "name")


def _clean_chats(value: Any) -> int:
    try:
        chats = int(value)
    except (TypeError, ValueError):
        chats = -1
    if not 0 <= chats <= MAX_CHATS:
        raise Invalid(
            f"max concurrent chats must be a whole number from 0 to {MAX_CHATS}",
            field="max_concurrent_chats",
        )
    return chats


def _clean_skills(skills: Iterable[Any]) -> list[str]:
    return sorted({choice(Skill, s, "skills").value for s in skills})


async def do_create_agent(
    session: AsyncSession,
    actor: Actor,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    level: Level,
    skills: Sequence[Skill],
    max_concurrent_chats: int = 5,
    can_view_contact: bool = False,
    team_ids: Sequence[int] = (),
    must_change_password: bool = True,
) -> Agent:
    """Add a person to the shop. Someone who already has an account (say, working for
    another shop) keeps it and their own password; ``password`` is for new accounts, which
    must change it at first login (the admin who typed it should not keep knowing it),
    unless the password is meant to be shared, as the public demo's printed logins are."""
    actor.require(Permission.MANAGE_AGENTS)
    role = choice(Role, role, "role")
    _check_may_grant(actor, role)
    name = _clean_name(name)
    email = clean_email(email, "email")
    user = await find_or_create_user(
        session, email, name, password, must_change_password=must_change_password
    )
    taken = await session.scalar(
        select(Agent.id).where(Agent.shop_id == actor.shop_id, Agent.user_id == user.id)
    )
    if taken is not None:
        raise Conflict(f"{user.email} is already an agent of this shop", field="email")
    agent = Agent(
        shop_id=actor.shop_id,
        user_id=user.id,
        user=user,
        display_name=name,
        role=role,
        level=choice(Level, level, "level"),
        skills=_clean_skills(skills),
        max_concurrent_chats=_clean_chats(max_concurrent_chats),
        can_view_contact=can_view_contact,
    )
    session.add(agent)
    await session.flush()
    await replace_memberships(session, actor, team_ids, agent_id=agent.id)
    record_audit(
        session, actor, "agent.create", "agent", agent.id, after=await _audit_view(session, agent)
    )
    _announce(session, agent, "created")
    return agent


async def do_update_agent(
    session: AsyncSession, actor: Actor, agent_id: int, **changes: Any
) -> Agent:
    """Change any of ``UPDATABLE``; fields not given stay as they are. ``level`` may
    only be sent unchanged: a level changes through ``do_change_level`` (the promotion
    rules and their audit), never around them."""
    check_known(changes, UPDATABLE)
    agent = await load_agent(session, actor, agent_id)
    _check_may_change(actor, agent)
    # Before any agent row is written or locked, so agent rows are always locked in the
    # same order (a role change locks the owners' rows too).
    await lock_routing(session, agent.shop_id)
    before = await _audit_view(session, agent)
    if "role" in changes:
        role = choice(Role, changes["role"], "role")
        _check_may_grant(actor, role)
        if role != Role.OWNER:
            await _check_not_last_owner(session, agent)
        agent.role = role
    if "display_name" in changes:
        agent.display_name = _clean_name(changes["display_name"])
    if "level" in changes and choice(Level, changes["level"], "level") != agent.level:
        raise Invalid(
            "a level changes by promotion or demotion only (POST "
            f"/api/v1/agents/{agent.id}/level, or the growth page), where the promotion "
            "criteria apply and the reason is kept",
            field="level",
        )
    if "skills" in changes:
        agent.skills = _clean_skills(changes["skills"])
    if "max_concurrent_chats" in changes:
        agent.max_concurrent_chats = _clean_chats(changes["max_concurrent_chats"])
    if "can_view_contact" in changes:
        agent.can_view_contact = bool(changes["can_view_contact"])
    if "team_ids" in changes:
        await replace_memberships(session, actor, changes["team_ids"], agent_id=agent.id)
    await session.flush()
    after = await _audit_view(session, agent)
    if after != before:
        record_audit(session, actor, "agent.update", "agent", agent.id, before=before, after=after)
        _announce(session, agent, "updated")
        if not ROUTING_FIELDS.isdisjoint(changes):  # waiting shoppers may fit now
            await do_drain_queue(session, routing_actor(agent.shop_id))
    return agent


async def do_change_level(
    session: AsyncSession, actor: Actor, agent_id: int, level: Level, reason: str | None = None
) -> Agent:
    """Promote or demote an agent (初级 / 中级 / 高级), audited with the assessment it
    was decided on. A promotion the agent is not eligible for (a criterion unmet, or a
    level skipped) and every demotion need a reason, which the audit log keeps."""
    agent = await load_agent(session, actor, agent_id)
    _check_may_change(actor, agent)
    level = choice(Level, level, "level")
    if level == agent.level:
        raise Conflict(f"{agent.display_name} is already at this level", field="level")
    reason = clean_text(reason, "reason", "reason", MAX_REASON) if reason else None
    assessment = (await assess_agents(session, actor, [agent]))[agent.id]
    promotion = LEVEL_RANK[level] > LEVEL_RANK[agent.level]
    eligible = promotion and level.value == assessment.next_level and bool(assessment.eligible)
    if not eligible and reason is None:
        raise Invalid(
            f"give a reason: this is {_unearned(promotion, level, assessment)}", field="reason"
        )
    await lock_routing(session, agent.shop_id)  # before the agent row is written
    before = {"level": agent.level.value, "level_since": _iso(agent.level_since)}
    agent.level, agent.level_since = level, utcnow()
    await session.flush()
    record_audit(
        session,
        actor,
        "agent.promote" if promotion else "agent.demote",
        "agent",
        agent.id,
        before=before,
        after={
            "level": level.value,
            "level_since": _iso(agent.level_since),
            "eligible": eligible,
            "unmet": [c.code for c in assessment.checks if not c.met],
            "reason": reason,
        },
    )
    _announce(session, agent, "updated")
    await do_drain_queue(session, routing_actor(agent.shop_id))  # a new level may fit a rule
    return agent


def _unearned(promotion: bool, level: Level, assessment: Assessment) -> str:
    """Why a level change needs a reason, for the refusal."""
    if not promotion:
        return "a demotion"
    if level.value != assessment.next_level:
        return "a promotion past the next level"
    unmet = ", ".join(c.code for c in assessment.checks if not c.met)
    return f"a promotion while not eligible (unmet: {unmet})"


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


async def _set_active(session: AsyncSession, actor: Actor, agent_id: int, active: bool) -> Agent:
    agent = await load_agent(session, actor, agent_id)
    _check_may_change(actor, agent)
    if agent.active == active:
        return agent
    await lock_routing(session, agent.shop_id)  # before any agent row is written
    if not active:
        await _check_not_last_owner(session, agent)
    before = snapshot(agent)
    agent.active = active
    if not active:
        await presence_changed(session, agent, agent.presence, Presence.OFFLINE, utcnow())
        agent.presence = Presence.OFFLINE
    await session.flush()
    verb = "reactivate" if active else "deactivate"
    record_audit(
        session, actor, f"agent.{verb}", "agent", agent.id, before=before, after=snapshot(agent)
    )
    _announce(session, agent, f"{verb}d")
    if not active:  # they can no longer log in: every open chat of theirs goes back
        await do_requeue_agent_conversations(
            session, routing_actor(agent.shop_id), agent.id, answered_too=True
        )
        await announce_session_end(session, agent.user_id, agent.shop_id, "deactivated")
    return agent


async def do_deactivate_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    """Take someone off the shop (they can no longer log in to it); history stays."""
    return await _set_active(session, actor, agent_id, False)


async def do_reactivate_agent(session: AsyncSession, actor: Actor, agent_id: int) -> Agent:
    return await _set_active(session, actor, agent_id, True)


async def do_reset_password(session: AsyncSession, actor: Actor, agent_id: int) -> str:
    """Give the person a temporary password to change at next login, and log them out.

    Refused for people who also work for another shop: one shop's admin must not be able
    to take over an account that opens another shop's data."""
    agent = await load_agent(session, actor, agent_id)
    _check_may_change(actor, agent)
    elsewhere = await session.scalar(
        select(func.count(Agent.id)).where(
            Agent.user_id == agent.user_id, Agent.shop_id != agent.shop_id
        )
    )
    if elsewhere:
        raise Forbidden(
            f"{agent.display_name} also works for another shop; "
            "they can reset their password only themselves"
        )
    user = await session.get_one(User, agent.user_id)
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    await session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    await session.flush()
    record_audit(
        session,
        actor,
        "agent.reset_password",
        "agent",
        agent.id,
        after={"must_change_password": True, "sessions_ended": True},
    )
    await announce_session_end(session, agent.user_id, agent.shop_id, "password_reset")
    return password


async def do_set_presence(session: AsyncSession, actor: Actor, presence: Presence) -> Agent:
    """Set one's own status (online / away / offline). Coming online takes waiting
    conversations from the queue; going offline hands back the ones not answered yet."""
    if actor.kind != "agent" or actor.id is None:
        raise Forbidden("only a logged-in agent has a presence")
    agent = await fetch_owned(session, actor, Agent, actor.id, "agent", permission=None)
    return await change_presence(session, actor, agent, choice(Presence, presence, "presence"))


async def change_presence(
    session: AsyncSession, actor: Actor, agent: Agent, presence: Presence
) -> Agent:
    """Set the agent's status, by their own choice or for them when their sockets are
    gone (kefu/actions/presence.py): the same audit entry, announcement and routing."""
    if agent.presence == presence:
        return agent
    await lock_routing(session, agent.shop_id)  # before the agent row is written
    before = {"presence": agent.presence.value}
    await presence_changed(session, agent, agent.presence, presence, utcnow())
    agent.presence = presence
    await session.flush()
    record_audit(
        session,
        actor,
        "agent.set_presence",
        "agent",
        agent.id,
        before=before,
        after={"presence": presence.value},
    )
    _announce(session, agent, "presence")
    if presence is Presence.OFFLINE:
        await do_requeue_agent_conversations(session, routing_actor(agent.shop_id), agent.id)
    elif presence is Presence.ONLINE:
        await do_drain_queue(session, routing_actor(agent.shop_id))
    return agent
