"""Reading conversations and messages, and the JSON shapes events carry.

A visitor reaches only their own conversations and never an internal note; a person of
another shop gets ``NotFound`` exactly as for a missing id."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.errors import Invalid, NotFound
from kefu.models import (
    Agent,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    Skill,
    Visitor,
)
from kefu.queries.access import owned_row
from kefu.queries.pagination import Page, paginate


class View(enum.StrEnum):
    """The workspace tabs."""

    MINE = "mine"
    UNASSIGNED = "unassigned"  # the agents' queue (and unassigned conversations not open)
    BOT = "bot"  # the conversations the FAQ bot holds or held
    ALL = "all"


def view_filter(actor: Actor, view: View) -> list[Any]:
    """The conditions of a workspace tab."""
    if view is View.MINE:
        if actor.kind != "agent":
            raise Invalid("only an agent has conversations of their own", field="view")
        return [Conversation.assigned_agent_id == actor.id]
    if view is View.UNASSIGNED:
        return [Conversation.assigned_agent_id.is_(None), Conversation.with_bot.is_(False)]
    if view is View.BOT:
        return [Conversation.with_bot.is_(True)]
    return []


async def get_conversation(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> Conversation:
    """The conversation if the actor may see it: any of the shop's for staff, only their
    own for a visitor."""
    return await session.run_sync(conversation_for, actor, conversation_id)


def conversation_for(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """``get_conversation`` on a synchronous session."""
    if actor.is_visitor:
        conversation = owned_row(
            session, actor, Conversation, conversation_id, "conversation", permission=None
        )
        if conversation.visitor_id != actor.id:
            raise NotFound("conversation")
        return conversation
    return owned_row(
        session, actor, Conversation, conversation_id, "conversation", Permission.READ_SHOP_DATA
    )


async def list_conversations(
    session: AsyncSession,
    actor: Actor,
    *,
    view: View = View.ALL,
    status: ConversationStatus | None = None,
    channel: Channel | None = None,
    skill: Skill | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Conversation]:
    """The shop's conversations, newest first; ``mine`` needs an agent."""
    actor.require(Permission.READ_SHOP_DATA)
    stmt = select(Conversation).where(
        Conversation.shop_id == actor.shop_id, *view_filter(actor, view)
    )
    for column, value in (
        (Conversation.status, status),
        (Conversation.channel, channel),
        (Conversation.skill, skill),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    return await paginate(
        session, stmt, Conversation.id, cursor=cursor, limit=limit, newest_first=True
    )


async def list_messages(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[Message]:
    """A conversation's messages, newest first (page back for older ones); visitors never
    see internal notes."""
    conversation = await get_conversation(session, actor, conversation_id)
    stmt = select(Message).where(Message.conversation_id == conversation.id)
    if actor.is_visitor:
        stmt = stmt.where(Message.kind != MessageKind.NOTE)
    return await paginate(session, stmt, Message.id, cursor=cursor, limit=limit, newest_first=True)


async def open_conversation_of(session: AsyncSession, visitor: Visitor) -> Conversation | None:
    """The visitor's conversation that is not closed yet, if any."""
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.visitor_id == visitor.id,
            Conversation.status != ConversationStatus.CLOSED,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def serving_agent_name(session: AsyncSession, conversation: Conversation) -> str | None:
    """The display name of the agent serving an open conversation, which the widget shows
    the shopper (as a shop's staff sign their replies); None while it waits in the queue,
    is with the bot, or once it is closed."""
    if conversation.assigned_agent_id is None or conversation.status is ConversationStatus.CLOSED:
        return None
    return await session.scalar(
        select(Agent.display_name).where(
            Agent.id == conversation.assigned_agent_id, Agent.shop_id == conversation.shop_id
        )
    )


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def message_data(message: Message) -> dict[str, Any]:
    """A message as events and the API carry it."""
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "client_id": None if message.client_id is None else str(message.client_id),
        "sender_kind": message.sender_kind.value,
        "sender_id": message.sender_id,
        "kind": message.kind.value,
        "body": message.body,
        "payload": message.payload,
        "created_at": _iso(message.created_at),
    }


def conversation_data(conversation: Conversation, *, for_visitor: bool) -> dict[str, Any]:
    """A conversation as events carry it; the visitor's view leaves out what is internal
    (assignment, summary, disposition, tags)."""
    data: dict[str, Any] = {
        "id": conversation.id,
        "status": conversation.status.value,
        "channel": conversation.channel.value,
        "skill": None if conversation.skill is None else conversation.skill.value,
        "rating": conversation.rating,
        "closed_at": _iso(conversation.closed_at),
    }
    if for_visitor:
        return data
    return data | {
        "visitor_id": conversation.visitor_id,
        "customer_id": conversation.customer_id,
        "assigned_agent_id": conversation.assigned_agent_id,
        "team_id": conversation.team_id,
        "last_message_at": _iso(conversation.last_message_at),
        "first_response_at": _iso(conversation.first_response_at),
        "snoozed_until": _iso(conversation.snoozed_until),
        "summary": conversation.summary,
        "disposition": conversation.disposition,
        "tags": conversation.tags,
        "with_bot": conversation.with_bot,
        "emotion": conversation.emotion.value if conversation.emotion else "green",
    }
