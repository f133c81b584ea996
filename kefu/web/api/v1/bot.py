"""The FAQ bot: its settings, its report (containment and handoff reasons), and agent
assist (FAQ answers suggested for a conversation's last shopper message; the optional
LLM's AI 润色 and AI 起草)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.actions.assist import draft_reply, rephrase_draft
from kefu.actions.bot import do_update_bot_settings
from kefu.knowledge.bot import IDLE_MINUTES, BotMode, bot_settings
from kefu.knowledge.llm import llm_config
from kefu.knowledge.tracking import STALL_DAYS
from kefu.models.base import utcnow
from kefu.queries.knowledge import bot_report, suggestions
from kefu.queries.shops import get_shop
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, ErrorBody, IdPath
from kefu.web.deps import ActorDep, SessionDep, SettingsDep

router = APIRouter(tags=["bot"], responses=ERROR_RESPONSES)


class BotSettingsOut(ApiModel):
    mode: BotMode = Field(
        description="off, after_hours (only while closed), unstaffed (while closed, and in "
        "business hours while no agent is online) or always"
    )
    intents_off: list[str] = Field(description="Intent codes the bot hands to a person")
    idle_minutes: int = Field(
        description="A conversation the bot holds closes as resolved after this quiet time"
    )
    stall_days: int = Field(
        description="Days without tracking movement after which a parcel a shopper asks "
        "the bot about counts as stalled and gets a logistics case (one per order)"
    )


class BotSettingsIn(ApiModel):
    """Only the fields sent change."""

    mode: BotMode | None = None
    intents_off: list[str] | None = Field(None, max_length=50)
    idle_minutes: int | None = Field(None, ge=IDLE_MINUTES[0], le=IDLE_MINUTES[1])
    stall_days: int | None = Field(None, ge=STALL_DAYS[0], le=STALL_DAYS[1])


class BotReportOut(ApiModel):
    since: datetime
    conversations: int = Field(description="Conversations where the bot answered or handed over")
    contained: int = Field(description="…of which no person was needed")
    containment: float | None = Field(description="contained / conversations")
    handoffs: dict[str, int] = Field(
        description="Handoffs by reason: asked, angry, complaint, unanswered, intent_off, media"
    )


class SuggestionOut(ApiModel):
    faq_id: int
    question: str
    answer: str = Field(description="With the conversation's variables filled")
    score: float


class SuggestionsOut(ApiModel):
    message: str | None = Field(description="The last shopper message they answer")
    suggestions: list[SuggestionOut]


class RephraseIn(ApiModel):
    text: str = Field(description="The agent's draft reply (at most 2,000 characters)")


class RephraseOut(ApiModel):
    text: str = Field(description="The draft rephrased; the agent edits and sends it")


class DraftOut(ApiModel):
    text: str = Field(description="A reply drafted for the agent to edit and send")


LLM_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "The LLM is not configured (llm_not_configured)"},
    502: {
        "model": ErrorBody,
        "description": "The LLM answered with an error or not with a chat completion",
    },
    503: {
        "model": ErrorBody,
        "description": "The LLM cannot be reached, timed out or is rate-limited: try again",
    },
}


@router.get("/shop/bot", summary="The FAQ bot's settings")
async def read_bot_settings(session: SessionDep, actor: ActorDep) -> BotSettingsOut:
    shop = await get_shop(session, actor)
    return BotSettingsOut(**bot_settings(shop.bot_settings))


@router.patch("/shop/bot", summary="Turn the FAQ bot on or off, choose intents left to people")
async def update_bot_settings(
    body: BotSettingsIn, session: SessionDep, actor: ActorDep
) -> BotSettingsOut:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, mode="json")
    settings = await do_update_bot_settings(session, actor, **changes)
    await session.commit()
    return BotSettingsOut(**settings)


@router.get("/bot/report", summary="Bot containment and handoff reasons")
async def read_bot_report(
    session: SessionDep,
    actor: ActorDep,
    days: Annotated[int, Query(ge=1, le=366, description="Conversations of the last N days")] = 30,
) -> BotReportOut:
    return BotReportOut.model_validate(
        await bot_report(session, actor, utcnow() - timedelta(days=days))
    )


@router.get(
    "/conversations/{conversation_id}/suggestions",
    summary="Agent assist: FAQ answers for the last shopper message",
)
async def read_suggestions(
    conversation_id: IdPath, session: SessionDep, actor: ActorDep
) -> SuggestionsOut:
    message, found = await suggestions(session, actor, conversation_id)
    return SuggestionsOut(
        message=message,
        suggestions=[
            SuggestionOut(
                faq_id=s.entry.id, question=s.entry.question, answer=s.text, score=s.score
            )
            for s in found
        ],
    )


@router.post(
    "/conversations/{conversation_id}/rephrase",
    summary="Agent assist: the agent's draft rephrased by the optional LLM (AI 润色)",
    description=(
        "Sends the draft (and the shopper's last message, for tone) to the OpenAI-compatible "
        "API of `KEFU_LLM_BASE_URL`; nothing is stored or sent to the shopper."
    ),
    responses=LLM_ERRORS,
)
async def rephrase(
    conversation_id: IdPath,
    body: RephraseIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> RephraseOut:
    text = await rephrase_draft(session, actor, conversation_id, body.text, llm_config(settings))
    return RephraseOut(text=text)


@router.post(
    "/conversations/{conversation_id}/draft",
    summary="Agent assist: a whole reply drafted by the optional LLM (AI 起草)",
    description=(
        "Sends the conversation's last 10 messages between the shopper and the shop "
        "(never internal notes), the shopper's order and its parcels' latest tracking "
        "(when the conversation has a customer) and up to three FAQ answers to the "
        "shopper's last message to the OpenAI-compatible API of `KEFU_LLM_BASE_URL`, "
        "phone numbers, e-mail addresses and house numbers masked, names left out. "
        "Nothing is stored or sent to the shopper: the agent edits and sends the draft. "
        "422 when the shopper has not written anything yet."
    ),
    responses=LLM_ERRORS,
)
async def draft(
    conversation_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> DraftOut:
    text = await draft_reply(session, actor, conversation_id, llm_config(settings))
    return DraftOut(text=text)
