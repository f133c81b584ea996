"""Agent assist that reaches outside Kefu: the AI 润色 (rephrase) of an agent's draft and
the AI 起草 (a whole reply drafted) by the optional LLM (kefu.knowledge.llm). Neither
writes anything; the agent reads the text in the composer, edits it if they like, and
sends it themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.bot_orders import order_facts
from kefu.errors import Invalid
from kefu.knowledge.bot import speech
from kefu.knowledge.drafting import SHOP, SHOPPER, Grounding, draft_messages
from kefu.knowledge.llm import MAX_DRAFT, LlmConfig, chat, rephrase_messages, require_config
from kefu.models import Message, MessageKind, SenderKind, Shop
from kefu.queries.conversations import get_conversation
from kefu.queries.knowledge import last_shopper_words, recent_exchange, suggested_answers
from kefu.queries.workspace import customer_panel

EXCHANGE = 10  # the last messages a draft is written from
ANSWERS = 3  # knowledge-base answers given with them


def clean_draft(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise Invalid("write a draft to rephrase first", field="text")
    if len(text) > MAX_DRAFT:
        raise Invalid(f"a draft to rephrase has at most {MAX_DRAFT} characters", field="text")
    return text.strip()


async def rephrase_draft(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    text: Any,
    config: LlmConfig | None,
) -> str:
    """The agent's draft for this conversation, rephrased by the LLM in the shop's
    customer-service style, with the shopper's last words as context for the tone."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    conversation = await get_conversation(session, actor, conversation_id)
    draft = clean_draft(text)
    config = require_config(config)
    shopper_said = await last_shopper_words(session, actor.shop_id, conversation.id)
    # Nothing is written: hold no transaction (nor, on SQLite, the file) while the
    # LLM takes its seconds.
    await session.rollback()
    return await chat(config, rephrase_messages(draft, shopper_said))


def _words(message: Message) -> tuple[str, str]:
    who = SHOPPER if message.sender_kind is SenderKind.VISITOR else SHOP
    if message.kind is MessageKind.IMAGE:
        return who, "[图片]"
    if message.kind is MessageKind.CARD:
        return who, f"[卡片] {(message.payload or {}).get('title') or ''}".strip()
    return who, message.body


async def _grounding(session: AsyncSession, actor: Actor, conversation_id: int) -> Grounding:
    """The last words between the shopper and the shop (never an internal note), the
    order the shopper's last words are about, and the FAQ answers to them (the
    customer's name filled as 亲: names stay in Kefu)."""
    panel = await customer_panel(session, actor, conversation_id)
    conversation = panel.conversation
    said = await last_shopper_words(session, actor.shop_id, conversation.id)
    if said is None:
        raise Invalid("the shopper has not written anything to reply to yet")
    exchange = await recent_exchange(session, actor.shop_id, conversation.id, EXCHANGE)
    order: list[str] = []
    if conversation.customer_id is not None:
        shop = await session.get_one(Shop, actor.shop_id)
        order = await order_facts(
            session, actor.shop_id, conversation.customer_id, said, speech(shop.locale)
        )
    variables = {**panel.variables, "客户昵称": "亲"}
    answers = await suggested_answers(session, conversation, said, variables)
    return Grounding(
        exchange=[_words(m) for m in exchange],
        order=order,
        answers=[a.text for a in answers[:ANSWERS]],
    )


async def draft_reply(
    session: AsyncSession, actor: Actor, conversation_id: int, config: LlmConfig | None
) -> str:
    """A whole reply to the shopper's last words drafted by the LLM in the shop's
    customer-service style, grounded on the conversation, the shopper's order and the
    knowledge base (kefu.knowledge.drafting says what is masked and why)."""
    actor.require(Permission.HANDLE_CONVERSATIONS)
    await get_conversation(session, actor, conversation_id)
    config = require_config(config)
    grounding = await _grounding(session, actor, conversation_id)
    # Nothing is written: hold no transaction (nor, on SQLite, the file) while the
    # LLM takes its seconds.
    await session.rollback()
    return await chat(config, draft_messages(grounding))
