"""The read side of routing: the shop's agents as routing sees them, its policy, the
queue (oldest first), a shopper's place in it and the expected wait.

The queue is every open, unassigned conversation the bot does not hold, served by
``queued_at`` (then id). A shopper's position counts only conversations of the same skill
ahead of them: those are the ones competing for the same agents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.lib.routing import AgentState, LevelRule, Needs, Policy, expected_wait_seconds
from kefu.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Presence,
    RoutingPolicy,
    Skill,
    TeamMember,
)
from kefu.models.base import utcnow
from kefu.queries.conversations import get_conversation

# Conversations that take up one of an agent's concurrent chats (snoozed ones are aside).
BUSY = (ConversationStatus.OPEN, ConversationStatus.PENDING)
DEFAULT_HANDLE_SECONDS = 600.0  # a shop without closed chats yet: ten minutes each
HANDLE_SAMPLE = 200  # the most recent closed conversations the estimate averages


def queued_filter(shop_id: int) -> Any:
    return and_(
        Conversation.shop_id == shop_id,
        Conversation.status == ConversationStatus.OPEN,
        Conversation.assigned_agent_id.is_(None),
        Conversation.with_bot.is_(False),
    )


QUEUE_ORDER = (Conversation.queued_at, Conversation.id)


async def policy_row(session: AsyncSession, shop_id: int) -> RoutingPolicy | None:
    return await session.scalar(select(RoutingPolicy).where(RoutingPolicy.shop_id == shop_id))


def policy_of(row: RoutingPolicy | None) -> Policy:
    """The lib's policy from the stored row; the defaults when the shop has none."""
    if row is None:
        return Policy()
    return Policy(
        level_rules={
            skill: LevelRule(tuple(rule["order"]), bool(rule.get("before_load")))
            for skill, rule in row.level_rules.items()
        },
        overflow_team_id=row.overflow_team_id,
    )


async def read_policy(session: AsyncSession, actor: Actor) -> Policy:
    actor.require(Permission.READ_SHOP_DATA)
    return policy_of(await policy_row(session, actor.shop_id))


async def open_chat_counts(session: AsyncSession, shop_id: int, *where: Any) -> dict[int, int]:
    """Each agent's busy conversations (only those matching ``where``, when given)."""
    rows = await session.execute(
        select(Conversation.assigned_agent_id, func.count())
        .where(
            Conversation.shop_id == shop_id,
            Conversation.assigned_agent_id.is_not(None),
            Conversation.status.in_(BUSY),
            *where,
        )
        .group_by(Conversation.assigned_agent_id)
    )
    return {agent_id: count for agent_id, count in rows}


async def agent_states(session: AsyncSession, shop_id: int) -> list[AgentState]:
    """Every active agent of the shop with their load and teams, as routing sees them."""
    agents = list(
        await session.scalars(
            select(Agent).where(Agent.shop_id == shop_id, Agent.active.is_(True)).order_by(Agent.id)
        )
    )
    counts = await open_chat_counts(session, shop_id)
    teams: dict[int, set[int]] = defaultdict(set)
    for agent_id, team_id in await session.execute(
        select(TeamMember.agent_id, TeamMember.team_id).where(TeamMember.shop_id == shop_id)
    ):
        teams[agent_id].add(team_id)
    return [
        AgentState(
            id=a.id,
            online=a.presence is Presence.ONLINE,
            active=a.active,
            skills=frozenset(a.skills),
            level=a.level.value,
            max_chats=a.max_concurrent_chats,
            open_chats=counts.get(a.id, 0),
            last_assigned_at=a.last_assigned_at,
            teams=frozenset(teams[a.id]),
        )
        for a in agents
    ]


async def queued_conversations(session: AsyncSession, shop_id: int) -> list[Conversation]:
    """The shop's queue, oldest first."""
    return list(
        await session.scalars(
            select(Conversation).where(queued_filter(shop_id)).order_by(*QUEUE_ORDER)
        )
    )


async def previous_agents(
    session: AsyncSession, conversations: Sequence[Conversation]
) -> dict[int, int]:
    """For returning shoppers: conversation id → the agent of their latest earlier
    conversation (the same customer, or the same browser when not linked to one)."""
    customers = {c.customer_id for c in conversations if c.customer_id is not None}
    visitors = {c.visitor_id for c in conversations if c.visitor_id is not None}
    if not conversations or not (customers or visitors):
        return {}
    earlier = await session.execute(
        select(
            Conversation.id,
            Conversation.customer_id,
            Conversation.visitor_id,
            Conversation.assigned_agent_id,
        )
        .where(
            Conversation.shop_id == conversations[0].shop_id,
            Conversation.assigned_agent_id.is_not(None),
            or_(Conversation.customer_id.in_(customers), Conversation.visitor_id.in_(visitors)),
        )
        .order_by(Conversation.id)
    )
    last_by: dict[tuple[str, int | None], list[tuple[int, int]]] = defaultdict(list)
    for row_id, customer_id, visitor_id, agent_id in earlier:
        if customer_id is not None:
            last_by["customer", customer_id].append((row_id, agent_id))
        if visitor_id is not None:
            last_by["visitor", visitor_id].append((row_id, agent_id))
    found: dict[int, int] = {}
    for conversation in conversations:
        keys = [("customer", conversation.customer_id), ("visitor", conversation.visitor_id)]
        before = [
            (row_id, agent)
            for key in keys
            for row_id, agent in last_by.get(key, [])
            if row_id < conversation.id
        ]
        if before:
            found[conversation.id] = max(before)[1]
    return found


def needs_of(conversation: Conversation, previous: dict[int, int]) -> Needs:
    return Needs(
        skill=None if conversation.skill is None else conversation.skill.value,
        previous_agent_id=previous.get(conversation.id),
        team_id=conversation.team_id,
    )


def positions(queue: Sequence[Conversation]) -> dict[int, int]:
    """Conversation id → 1-based place among the queued conversations of its skill."""
    seen: dict[Skill | None, int] = defaultdict(int)
    places: dict[int, int] = {}
    for conversation in queue:
        seen[conversation.skill] += 1
        places[conversation.id] = seen[conversation.skill]
    return places


async def _position(session: AsyncSession, conversation: Conversation) -> int | None:
    if (
        conversation.status is not ConversationStatus.OPEN
        or conversation.assigned_agent_id
        or conversation.with_bot
    ):
        return None
    skill = conversation.skill
    ahead = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            queued_filter(conversation.shop_id),
            Conversation.skill.is_(None) if skill is None else Conversation.skill == skill,
            or_(
                Conversation.queued_at < conversation.queued_at,
                and_(
                    Conversation.queued_at == conversation.queued_at,
                    Conversation.id < conversation.id,
                ),
            ),
        )
    )
    return (ahead or 0) + 1


async def queue_position(session: AsyncSession, actor: Actor, conversation_id: int) -> int | None:
    """The conversation's place in the queue (1 = next), or None when not waiting.

    Visitors ask about their own conversation only; staff about any of the shop's."""
    return await _position(session, await get_conversation(session, actor, conversation_id))


async def mean_handle_seconds(session: AsyncSession, shop_id: int) -> float:
    """How long the shop's recently closed conversations lasted, on average."""
    recent = (
        select(Conversation.closed_at, Conversation.created_at)
        .where(Conversation.shop_id == shop_id, Conversation.closed_at.is_not(None))
        .order_by(Conversation.closed_at.desc())
        .limit(HANDLE_SAMPLE)
    )
    spans = [closed - created for closed, created in await session.execute(recent)]
    if not spans:
        return DEFAULT_HANDLE_SECONDS
    return sum(spans, timedelta()).total_seconds() / len(spans)


WaitEstimate = Callable[[Conversation, int | None], int | None]


async def wait_estimator(session: AsyncSession, shop_id: int) -> WaitEstimate:
    """Seconds until an agent is likely free for a queued conversation at a position,
    from the online agents who could take it and the shop's recent handling time; None
    when nobody who could take it is online. Read once, used for many conversations."""
    states = await agent_states(session, shop_id)
    handle = await mean_handle_seconds(session, shop_id)

    def estimate(conversation: Conversation, position: int | None) -> int | None:
        if position is None:
            return None
        skill = None if conversation.skill is None else conversation.skill.value
        slots = sum(
            a.max_chats for a in states if a.online and (skill is None or skill in a.skills)
        )
        return expected_wait_seconds(position, slots, handle)

    return estimate


@dataclass(frozen=True, slots=True)
class QueueEntry:
    conversation: Conversation
    position: int
    waiting_seconds: int


async def list_queue(session: AsyncSession, actor: Actor) -> list[QueueEntry]:
    """The shop's waiting conversations, oldest first, for supervisors."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)
    queue = await queued_conversations(session, actor.shop_id)
    places = positions(queue)
    now: datetime = utcnow()
    return [
        QueueEntry(c, places[c.id], max(0, int((now - c.queued_at).total_seconds()))) for c in queue
    ]


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str


async def assignment_warnings(
    session: AsyncSession, actor: Actor, conversation: Conversation
) -> list[Warning]:
    """What a person's explicit assignment goes against (never refused, only reported):
    the agent is over capacity, not online, or lacks the conversation's skill."""
    if conversation.assigned_agent_id is None:
        return []
    agent = await session.get_one(Agent, conversation.assigned_agent_id)
    if agent.shop_id != actor.shop_id:
        return []
    load = (await open_chat_counts(session, actor.shop_id)).get(agent.id, 0)
    warnings = []
    if load > agent.max_concurrent_chats:
        warnings.append(
            Warning(
                "over_capacity",
                f"{agent.display_name} now has {load} open chats, "
                f"above their limit of {agent.max_concurrent_chats}",
            )
        )
    if agent.presence is not Presence.ONLINE:
        warnings.append(Warning("not_online", f"{agent.display_name} is {agent.presence.value}"))
    if conversation.skill is not None and conversation.skill.value not in agent.skills:
        warnings.append(
            Warning(
                "lacks_skill",
                f"{agent.display_name} does not have the skill {conversation.skill.value}",
            )
        )
    return warnings


def policy_data(policy: Policy) -> dict[str, Any]:
    """The policy as the API and the audit log show it."""
    return {
        "overflow_team_id": policy.overflow_team_id,
        "level_rules": {
            skill: {"order": list(rule.order), "before_load": rule.before_load}
            for skill, rule in sorted(policy.level_rules.items())
        },
    }
