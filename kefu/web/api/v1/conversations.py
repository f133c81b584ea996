"""Conversations for the agent workspace and integrators: list, read with messages,
reply (or leave an internal note), assign/transfer, snooze, close, rate."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import AwareDatetime, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor
from kefu.actions.bot import take_bot_turn
from kefu.actions.conversations import (
    do_assign_conversation,
    do_close_conversation,
    do_rate_conversation,
    do_snooze_conversation,
)
from kefu.actions.messages import MAX_BODY, do_send_message
from kefu.models import (
    Channel,
    ConversationStatus,
    MessageKind,
    SenderKind,
    Skill,
)
from kefu.models.quality import Emotion
from kefu.queries.conversations import View, get_conversation, list_conversations, list_messages
from kefu.queries.routing import assignment_warnings
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
    RowId,
)
from kefu.web.deps import ActorDep, SessionDep, SessionmakerDep

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=ERROR_RESPONSES)


class ConversationOut(ApiModel):
    id: int
    channel: Channel
    status: ConversationStatus
    skill: Skill | None
    visitor_id: int | None
    customer_id: int | None
    assigned_agent_id: int | None
    team_id: int | None
    last_message_at: datetime | None
    first_response_at: datetime | None
    snoozed_until: datetime | None
    closed_at: datetime | None
    summary: str | None = Field(description="The agent's summary (记录总结) at closing")
    disposition: str | None
    rating: int | None = Field(description="The shopper's rating, 1–5")
    rating_comment: str | None
    tags: list[Any]
    with_bot: bool = Field(description="The FAQ bot holds it: in no agent's queue until handoff")
    emotion: Emotion = Field(
        Emotion.GREEN, description="The shopper's mood by their messages: green, yellow or red"
    )
    created_at: datetime


class MessageOut(ApiModel):
    id: int
    conversation_id: int
    sender_kind: SenderKind
    sender_id: int | None
    kind: MessageKind = Field(description="`note` is internal and never shown to the shopper")
    body: str
    payload: dict[str, Any] | None
    client_id: uuid.UUID | None
    created_at: datetime


class MessageIn(ApiModel):
    client_id: uuid.UUID = Field(
        description="A UUID you choose; sending again with the same one returns the same message"
    )
    body: str = Field("", max_length=MAX_BODY)
    kind: MessageKind = MessageKind.TEXT
    payload: dict[str, Any] | None = Field(None, description="Card or image details")


class AssignIn(ApiModel):
    agent_id: RowId | None = Field(description="The new agent; null puts it back in the queue")
    team_id: RowId | None = None
    note: str | None = Field(None, max_length=2000, description="Internal note for the next agent")


class AssignmentWarning(ApiModel):
    code: str = Field(description="over_capacity, not_online or lacks_skill")
    message: str


class AssignedOut(ConversationOut):
    warnings: list[AssignmentWarning] = Field(
        default_factory=list,
        description="What the choice goes against; a person's choice is never refused for it",
    )


class SnoozeIn(ApiModel):
    until: AwareDatetime


class CloseIn(ApiModel):
    summary: str | None = Field(None, max_length=2000, description="记录总结")
    disposition: str | None = Field(None, max_length=64, description="e.g. resolved, refunded")


class RatingIn(ApiModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)


@router.get("", summary="List conversations (mine, unassigned or all), newest first")
async def get_conversations(
    session: SessionDep,
    actor: ActorDep,
    view: View = View.ALL,
    status: ConversationStatus | None = None,
    channel: Channel | None = None,
    skill: Skill | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[ConversationOut]:
    page = await list_conversations(
        session,
        actor,
        view=view,
        status=status,
        channel=channel,
        skill=skill,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, ConversationOut)


@router.get("/{conversation_id}", summary="Read one conversation")
async def get_one(conversation_id: IdPath, session: SessionDep, actor: ActorDep) -> ConversationOut:
    return ConversationOut.model_validate(await get_conversation(session, actor, conversation_id))


@router.get("/{conversation_id}/messages", summary="A conversation's messages, newest first")
async def get_messages(
    conversation_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageOut[MessageOut]:
    page = await list_messages(session, actor, conversation_id, cursor=cursor, limit=limit)
    return PageOut.of(page, MessageOut)


@router.post(
    "/{conversation_id}/messages",
    summary="Send a message or an internal note",
    description="Idempotent by `client_id`. A text reply is refused (422) when the shop "
    "blocks one of its quality findings (`blocked_reply`) or when it still holds a "
    "quick-phrase variable such as `{客户昵称}` that had no value (`unfilled_variable`).",
)
async def post_message(
    conversation_id: IdPath,
    body: MessageIn,
    session: SessionDep,
    actor: ActorDep,
    later: BackgroundTasks,
    sessions: SessionmakerDep,
) -> MessageOut:
    return await send_message(session, actor, conversation_id, body, later, sessions)


async def send_message(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    body: MessageIn,
    later: BackgroundTasks,
    sessions: async_sessionmaker[AsyncSession],
) -> MessageOut:
    """Send ``body`` as ``actor`` and commit: the same step whether staff or the widget's
    visitor sends, so both routes answer alike. A shopper's message gets the bot's turn
    after the response, as on the chat socket."""
    message = await do_send_message(
        session,
        actor,
        conversation_id,
        body.body,
        body.client_id,
        kind=body.kind,
        payload=body.payload,
    )
    await session.commit()
    if actor.is_visitor:
        later.add_task(take_bot_turn, sessions, actor.shop_id, message.id)
    return MessageOut.model_validate(message)


@router.post("/{conversation_id}/assign", summary="Assign or transfer, with a note")
async def assign(
    conversation_id: IdPath, body: AssignIn, session: SessionDep, actor: ActorDep
) -> AssignedOut:
    conversation = await do_assign_conversation(
        session, actor, conversation_id, **body.model_dump()
    )
    await session.commit()
    warnings = await assignment_warnings(session, actor, conversation)
    return AssignedOut.model_validate(conversation).model_copy(
        update={"warnings": [AssignmentWarning(code=w.code, message=w.message) for w in warnings]}
    )


@router.post("/{conversation_id}/snooze", summary="Put aside until a time")
async def snooze(
    conversation_id: IdPath, body: SnoozeIn, session: SessionDep, actor: ActorDep
) -> ConversationOut:
    conversation = await do_snooze_conversation(session, actor, conversation_id, until=body.until)
    await session.commit()
    return ConversationOut.model_validate(conversation)


@router.post("/{conversation_id}/close", summary="Close with a summary and a disposition")
async def close(
    conversation_id: IdPath, body: CloseIn, session: SessionDep, actor: ActorDep
) -> ConversationOut:
    conversation = await do_close_conversation(session, actor, conversation_id, **body.model_dump())
    await session.commit()
    return ConversationOut.model_validate(conversation)


@router.post("/{conversation_id}/rating", summary="Record the shopper's rating (API channel)")
async def rate(
    conversation_id: IdPath, body: RatingIn, session: SessionDep, actor: ActorDep
) -> ConversationOut:
    conversation = await do_rate_conversation(session, actor, conversation_id, **body.model_dump())
    await session.commit()
    return ConversationOut.model_validate(conversation)
