"""The API channel's inbound route: marketplace adapters post shoppers' messages."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.actions.api_channel import do_receive_api_message
from kefu.web.api.v1.conversations import MessageOut
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/channels/api", tags=["channels"], responses=ERROR_RESPONSES)


class ChannelCustomer(ApiModel):
    external_id: str = Field(min_length=1, max_length=200, description="The shopper's id there")
    name: str | None = Field(None, max_length=100, description="Nickname shown to agents")
    channel: str = Field(
        min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$", description='e.g. "taobao", "jd"'
    )


class ChannelMessageIn(ApiModel):
    external_conversation_id: str = Field(min_length=1, max_length=200)
    external_message_id: str = Field(
        min_length=1,
        max_length=200,
        description="Idempotency key: a retry returns the same message",
    )
    customer: ChannelCustomer
    text: str = Field(description="What the shopper wrote")
    sent_at: datetime | None = Field(None, description="When the shopper sent it there")


@router.post("/messages", summary="Receive a shopper's message from a marketplace")
async def receive_message(
    body: ChannelMessageIn, response: Response, session: SessionDep, actor: ActorDep
) -> MessageOut:
    """201 with the stored message; 200 with the same message when it is a retry."""
    message, created = await do_receive_api_message(session, actor, **body.model_dump())
    await session.commit()
    response.status_code = 201 if created else 200
    return MessageOut.model_validate(message)
