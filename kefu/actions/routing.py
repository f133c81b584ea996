"""Routing: giving queued conversations to agents, in the transaction of whatever made
it possible (a shopper starting, an agent coming online, a chat closing, a transfer).

Who calls what:
- ``do_start_conversation`` routes the new conversation in its own transaction, so a
  started conversation is either assigned or queued when the shopper gets the answer,
  and nothing is lost if the process dies right after (no after-commit listener to miss).
- ``do_set_presence``: going offline re-queues the agent's unanswered chats; coming
  online drains the queue. Closing or reassigning a conversation drains it too.

Concurrency: every action that routes first calls ``lock_routing``. On PostgreSQL it
locks the shop's agent rows (``SELECT … FOR UPDATE``, in id order so two lockers never
deadlock); the open-chat counts are read after that, so a second router waits for the
first to commit and then sees its assignment: nobody exceeds their capacity. It is taken
before any other write (and before ``emit``'s per-shop stream lock) so the lock order is
the same everywhere. SQLite has one writer at a time: a no-op write takes that lock up
front, so the counts are read inside it too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import publish_on_commit, record_audit, snapshot
from kefu.actions.checks import choice
from kefu.actions.conversations import announce_change
from kefu.actions.streams import emit
from kefu.errors import Invalid
from kefu.events import QueuePositionChanged, ShopSettingsChanged, shop_stream, visitor_stream
from kefu.lib.routing import Choice, Policy, drain
from kefu.models import (
    Agent,
    Conversation,
    ConversationStatus,
    Level,
    Message,
    MessageKind,
    RoutingPolicy,
    SenderKind,
    Skill,
    Team,
    Visitor,
)
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.conversations import get_conversation
from kefu.queries.routing import (
    agent_states,
    needs_of,
    policy_data,
    policy_of,
    policy_row,
    positions,
    previous_agents,
    queued_conversations,
    wait_estimator,
)
from kefu.reports.chat_facts import credit_opened

ROUTING_LABEL = "自动分配"


def routing_actor(shop_id: int) -> Actor:
    """The system acting for routing; its audit entries read 自动分配."""
    return Actor.system(shop_id, ROUTING_LABEL)


async def lock_routing(session: AsyncSession, shop_id: int) -> None:
    """Serialise routing within one shop until this transaction ends (see the module)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(Agent.id).where(Agent.shop_id == shop_id).order_by(Agent.id).with_for_update()
        )
    else:
        await session.execute(
            text("UPDATE agents SET presence = presence WHERE shop_id = :shop_id"),
            {"shop_id": shop_id},
        )


async def _assign(
    session: AsyncSession, actor: Actor, conversation: Conversation, choice: Choice
) -> None:
    before = snapshot(conversation)
    conversation.assigned_agent_id = choice.agent_id
    await credit_opened(session, conversation, choice.agent_id)
    agent = await session.get_one(Agent, choice.agent_id)
    agent.last_assigned_at = utcnow()
    await session.flush()
    record_audit(
        session,
        actor,
        "conversation.route",
        "conversation",
        conversation.id,
        before=before,
        after=snapshot(conversation) | {"reason": choice.reason.value},
    )
    await announce_change(session, conversation, "assigned")


async def _route(
    session: AsyncSession, actor: Actor, conversations: Sequence[Conversation]
) -> list[Conversation]:
    """Assign what can be assigned of ``conversations`` (oldest first); the rest waits."""
    if not conversations:
        return []
    shop_id = actor.shop_id
    policy = policy_of(await policy_row(session, shop_id))
    previous = await previous_agents(session, conversations)
    queue = [(c, needs_of(c, previous)) for c in conversations]
    assigned = drain(queue, await agent_states(session, shop_id), policy, utcnow())
    for conversation, chosen in assigned:
        await _assign(session, actor, conversation, chosen)
    return [conversation for conversation, _ in assigned]


async def _announce_positions(
    session: AsyncSession, shop_id: int, moved: Sequence[Conversation]
) -> None:
    """Tell each waiting shopper behind a conversation that left or joined the queue
    their new place and expected wait."""
    if not moved:
        return
    queue = await queued_conversations(session, shop_id)
    places = positions(queue)
    estimate = await wait_estimator(session, shop_id)
    keys = [(m.skill, (m.queued_at, m.id)) for m in moved]
    for conversation in queue:
        place = (conversation.queued_at, conversation.id)
        if conversation.visitor_id is None or not any(
            skill == conversation.skill and key < place for skill, key in keys
        ):
            continue
        visitor = await session.get_one(Visitor, conversation.visitor_id)
        position = places[conversation.id]
        payload = {
            "conversation_id": conversation.id,
            "queue_position": position,
            "expected_wait_seconds": estimate(conversation, position),
        }
        await emit(
            session,
            QueuePositionChanged(shop_id, payload, frozenset({visitor_stream(visitor.public_id)})),
        )


async def rebalance(
    session: AsyncSession, shop_id: int, moved: Sequence[Conversation] = ()
) -> list[Conversation]:
    """Drain the shop's queue oldest first and tell the shoppers still waiting where
    they stand. ``moved``: conversations the caller took out of or put into the queue.
    The caller holds ``lock_routing``."""
    queue = await queued_conversations(session, shop_id)
    assigned = await _route(session, routing_actor(shop_id), queue)
    await _announce_positions(session, shop_id, [*moved, *assigned])
    return assigned


def _require_routing(actor: Actor) -> None:
    """Routing is the system's (or a supervisor's) job, never a visitor's or an agent's."""
    actor.require(Permission.SUPERVISE_CONVERSATIONS)


async def do_route_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> Conversation:
    """Assign a waiting conversation to the best available agent, or leave it queued.

    A conversation that is closed, already has an agent or is with the bot is returned
    unchanged."""
    _require_routing(actor)
    conversation = await get_conversation(session, actor, conversation_id)
    await lock_routing(session, actor.shop_id)
    await session.refresh(conversation)
    if (
        conversation.status is not ConversationStatus.OPEN
        or conversation.assigned_agent_id
        or conversation.with_bot
    ):
        return conversation
    assigned = await _route(session, actor, [conversation])
    await _announce_positions(session, actor.shop_id, assigned)
    return conversation


async def do_drain_queue(session: AsyncSession, actor: Actor) -> list[Conversation]:
    """Assign queued conversations, oldest first, while agents have room."""
    _require_routing(actor)
    await lock_routing(session, actor.shop_id)
    return await rebalance(session, actor.shop_id)


def _unanswered_by(agent_id: int) -> ColumnElement[bool]:
    """No reply (internal notes aside) from this agent in the conversation."""
    return ~exists().where(
        Message.conversation_id == Conversation.id,
        Message.sender_kind == SenderKind.AGENT,
        Message.sender_id == agent_id,
        Message.kind != MessageKind.NOTE,
    )


async def do_requeue_agent_conversations(
    session: AsyncSession, actor: Actor, agent_id: int, *, answered_too: bool = False
) -> list[Conversation]:
    """Put an agent's open conversations that they have not answered yet back in the
    queue (keeping the shoppers' place: they have waited since ``queued_at``) and route
    them to whoever has room. Conversations the agent already talked in stay theirs,
    unless ``answered_too`` (the agent is leaving the shop)."""
    _require_routing(actor)
    agent = await fetch_owned(session, actor, Agent, agent_id, "agent", permission=None)
    await lock_routing(session, actor.shop_id)
    theirs = select(Conversation).where(
        Conversation.shop_id == actor.shop_id,
        Conversation.assigned_agent_id == agent.id,
        Conversation.status == ConversationStatus.OPEN,
    )
    if not answered_too:
        theirs = theirs.where(_unanswered_by(agent.id))
    conversations = list(
        await session.scalars(theirs.order_by(Conversation.queued_at, Conversation.id))
    )
    for conversation in conversations:
        before = snapshot(conversation)
        conversation.assigned_agent_id = None
        await session.flush()
        record_audit(
            session,
            actor,
            "conversation.requeue",
            "conversation",
            conversation.id,
            before=before,
            after=snapshot(conversation),
        )
        await announce_change(session, conversation, "queued")
    await rebalance(session, actor.shop_id, conversations)
    return conversations


def _clean_level_rules(rules: Mapping[str, Any]) -> dict[str, Any]:
    """``{skill: {"order": [levels, most preferred first], "before_load": bool}}``."""
    cleaned: dict[str, Any] = {}
    for skill, rule in rules.items():
        field = f"level_rules.{skill}"
        key = choice(Skill, skill, "level_rules").value
        order = [choice(Level, level, field).value for level in rule.get("order", [])]
        if len(set(order)) != len(order):
            raise Invalid("a level is listed twice", field=field)
        if order:
            cleaned[key] = {"order": order, "before_load": bool(rule.get("before_load"))}
    return cleaned


async def do_update_routing_policy(
    session: AsyncSession,
    actor: Actor,
    *,
    overflow_team_id: int | None,
    level_rules: Mapping[str, Any] | None,
) -> Policy:
    """Set which team takes overflow and the level preferences per skill (None keeps
    them as they are: by default, complaints to senior agents first), then route
    whatever the new policy lets through."""
    actor.require(Permission.MANAGE_AGENTS)
    if overflow_team_id is not None:
        await fetch_owned(session, actor, Team, overflow_team_id, "overflow team", permission=None)
    await lock_routing(session, actor.shop_id)
    row = await policy_row(session, actor.shop_id)
    before = policy_data(policy_of(row))
    rules = _clean_level_rules(before["level_rules"] if level_rules is None else level_rules)
    if row is None:
        row = RoutingPolicy(shop_id=actor.shop_id)
        session.add(row)
    row.overflow_team_id = overflow_team_id
    row.level_rules = rules
    await session.flush()
    policy = policy_of(row)
    after = policy_data(policy)
    if after != before:
        record_audit(
            session, actor, "routing.update", "routing_policy", row.id, before=before, after=after
        )
        publish_on_commit(
            session,
            ShopSettingsChanged(
                actor.shop_id, {"change": "routing"}, frozenset({shop_stream(actor.shop_id)})
            ),
        )
    await rebalance(session, actor.shop_id)
    return policy
