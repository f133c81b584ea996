"""Agent assist that reaches outside Kefu: the AI 润色 (rephrase) of an agent's draft by
the optional LLM (kefu.knowledge.llm). It writes nothing; the agent reads the new draft,
edits it if they like, and sends it themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.knowledge.llm import MAX_DRAFT, LlmConfig, chat, rephrase_messages, require_config
from kefu.queries.conversations import get_conversation
from kefu.queries.knowledge import last_shopper_words


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
