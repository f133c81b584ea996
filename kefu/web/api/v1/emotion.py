"""The shopper's emotion in a conversation (docs/quality.md#emotion): its colour over time
and the customer's emotional account (情感账户)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import Field

from kefu.models.quality import Emotion
from kefu.queries.emotion import emotion_timeline
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/conversations", tags=["conversations"], responses=ERROR_RESPONSES)


class EmotionChangeOut(ApiModel):
    id: int
    message_id: int | None = Field(description="The shopper's message that changed it")
    emotion: Emotion
    previous: Emotion
    words: list[str] = Field(description="The lexicon entries that decided it")
    created_at: datetime


class AccountEntryOut(ApiModel):
    id: int
    conversation_id: int
    message_id: int | None
    delta: int = Field(description="+1 for a positive exchange, -3 for a negative one")
    words: list[str]
    created_at: datetime


class AccountOut(ApiModel):
    balance: int = Field(description="The sum of every move of the account")
    customer_id: int | None = Field(description="Whose account: the customer's, if known")
    visitor_id: int | None = Field(description="… else the widget visitor's")
    entries: list[AccountEntryOut] = Field(description="The latest moves, newest first")


class EmotionOut(ApiModel):
    conversation_id: int
    emotion: Emotion = Field(description="green, yellow or red (三色法则), as it stands")
    emotion_at: datetime | None = Field(description="Since when")
    changes: list[EmotionChangeOut] = Field(description="Every change, oldest first")
    account: AccountOut


@router.get(
    "/{conversation_id}/emotion",
    summary="The shopper's emotion over the conversation, and their emotional account",
)
async def get_emotion(conversation_id: IdPath, session: SessionDep, actor: ActorDep) -> EmotionOut:
    timeline = await emotion_timeline(session, actor, conversation_id)
    conversation = timeline.conversation
    return EmotionOut(
        conversation_id=conversation.id,
        emotion=conversation.emotion,
        emotion_at=conversation.emotion_at,
        changes=[EmotionChangeOut.model_validate(change) for change in timeline.changes],
        account=AccountOut(
            balance=timeline.account.balance,
            customer_id=conversation.customer_id,
            visitor_id=None if conversation.customer_id else conversation.visitor_id,
            entries=[AccountEntryOut.model_validate(e) for e in timeline.account.entries],
        ),
    )
