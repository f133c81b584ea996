"""The FAQ bot at work: it reads each shopper message the moment it is stored and, when
it may (kefu.knowledge.bot), answers from the knowledge base, offers "did you mean"
choices, or hands the shopper to a person with a note saying why.

Called after the shopper's message is committed (the widget's HTTP route and the chat
socket), in a transaction of its own: a failing bot never loses the shopper's message.
Each reply's client_id derives from the message it answers, so a retried message (the
same client_id, the stored message returned) is never answered twice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit
from kefu.actions.conversations import announce_change, announce_message
from kefu.actions.routing import do_route_conversation, lock_routing, routing_actor
from kefu.knowledge.bot import (
    FALLBACK_VALUES,
    SAY_CHOICES,
    SAY_GREETING,
    SAY_HANDOFF_CLOSED,
    SAY_HANDOFF_OPEN,
    SAY_SORRY,
    SAY_THANKS,
    THANKS,
    Decision,
    Handoff,
    Step,
    bot_may_look,
    bot_settings,
    clean_bot_settings,
    decide,
    handoff_note,
    may_answer,
    skill_for,
)
from kefu.lib.phrases import fill_or_drop
from kefu.models import (
    Conversation,
    Message,
    MessageKind,
    SenderKind,
    Shop,
)
from kefu.models.base import utcnow
from kefu.queries.knowledge import Answer, answer_for
from kefu.queries.shops import get_shop, shop_calendar
from kefu.queries.workspace import customer_panel
from kefu.reports.chat_facts import bot_engaged, bot_facts, stage_facts

BOT_LABEL = "智能客服"
HANDOFF_TAG = "转人工"
RECENT = 3
BOT_IDS = uuid.UUID("0f6c1b8e-2d4a-4f3e-9b7c-5a1e8d2c4b60")  # uuid5 namespace


def bot_actor(shop_id: int) -> Actor:
    return Actor.system(shop_id, BOT_LABEL)


def understand_one(text: str) -> dict[str, Any]:
    """Intent, emotion and entities of one message, by the default model. Imported here,
    not at the top: the model brings numpy and scikit-learn, which a server that never
    runs the bot should not load at start-up (``kefu bench idle``)."""
    from kefu.understanding.default import default_model
    from kefu.understanding.predict import understand

    return understand([{"text": text}], default_model(), default=True)[0]


def intent_codes() -> list[str]:
    """The default model's intent codes (the 31 of the taxonomy)."""
    from kefu.understanding.default import default_model

    return default_model().labels


async def _say(
    session: AsyncSession,
    conversation: Conversation,
    to: Message,
    body: str,
    payload: dict[str, Any],
    *,
    note: bool = False,
) -> Message:
    """Store and announce one bot message (or, with ``note``, the system's internal
    note for agents) answering ``to``."""
    kind, sender = (
        (MessageKind.NOTE, SenderKind.SYSTEM) if note else (MessageKind.TEXT, SenderKind.BOT)
    )
    message = Message(
        shop_id=conversation.shop_id,
        conversation_id=conversation.id,
        sender_kind=sender,
        sender_id=None,
        kind=kind,
        body=body,
        payload={"bot": payload},
        client_id=uuid.uuid5(BOT_IDS, f"{to.id}:{kind.value}"),
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    conversation.last_message_at = message.created_at
    await announce_message(session, conversation, message)
    return message


async def _recent_words(session: AsyncSession, conversation: Conversation) -> list[str]:
    bodies = await session.scalars(
        select(Message.body)
        .where(
            Message.conversation_id == conversation.id,
            Message.sender_kind == SenderKind.VISITOR,
        )
        .order_by(Message.id.desc())
        .limit(RECENT)
    )
    return list(reversed(list(bodies)))


async def _hand_off(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    reason: Handoff,
    intent: str,
    shop_open: bool,
) -> Message:
    """Stop the bot here for good, tell the shopper, leave the agent a note, and queue
    the conversation for the right skill (routed now if an agent is free)."""
    await lock_routing(session, conversation.shop_id)  # before any write: see routing
    conversation.bot_handoff, conversation.bot_handoff_at = reason.value, utcnow()
    if HANDOFF_TAG not in conversation.tags:
        conversation.tags = [*conversation.tags, HANDOFF_TAG]
    # A complaint goes to the complaint queue whatever the shopper chose at the start.
    if reason is Handoff.COMPLAINT or conversation.skill is None:
        stage = conversation.skill
        conversation.skill = skill_for(intent) or conversation.skill
        stage_facts(session, conversation, stage, utcnow())
    note = handoff_note(reason, intent, await _recent_words(session, conversation))
    await _say(session, conversation, message, note, {"handoff": reason.value}, note=True)
    reply = await _say(
        session,
        conversation,
        message,
        SAY_HANDOFF_OPEN if shop_open else SAY_HANDOFF_CLOSED,
        {"handoff": reason.value, "leave_message": not shop_open},
    )
    await announce_change(session, conversation, "handed_off")
    await do_route_conversation(session, routing_actor(conversation.shop_id), conversation.id)
    return reply


async def _answer(
    session: AsyncSession, conversation: Conversation, message: Message, found: Answer
) -> Message:
    assert found.best is not None
    actor = bot_actor(conversation.shop_id)
    variables = (await customer_panel(session, actor, conversation.id)).variables
    conversation.bot_answers += 1
    conversation.bot_misses = 0
    payload = {"faq_id": found.best.entry.id, "score": found.best.score}
    text = fill_or_drop(found.best.entry.answer, FALLBACK_VALUES | variables)
    return await _say(session, conversation, message, text, payload)


async def _reply(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    decision: Decision,
    found: Answer,
    intent: str,
) -> Message:
    if decision.step is Step.ANSWER:
        return await _answer(session, conversation, message, found)
    if decision.step is Step.SMALL_TALK:
        words = SAY_THANKS if intent == THANKS else SAY_GREETING
        return await _say(session, conversation, message, words, {"small_talk": True})
    conversation.bot_misses += 1
    if decision.step is Step.CHOICES:
        choices = [{"faq_id": m.entry.id, "question": m.entry.question} for m in found.choices]
        return await _say(session, conversation, message, SAY_CHOICES, {"choices": choices})
    return await _say(session, conversation, message, SAY_SORRY, {"unanswered": True})


async def _awaiting_bot(
    session: AsyncSession, shop_id: int, message_id: int
) -> tuple[Conversation, Message] | None:
    """The message and its conversation if the bot may look at it at all: a shopper's
    text, not yet answered, in an open conversation no agent holds and no handoff ended."""
    message = await session.get(Message, message_id)
    if message is None or message.shop_id != shop_id:
        return None
    conversation = await session.get(Conversation, message.conversation_id)
    if conversation is None or not bot_may_look(conversation, message):
        return None
    answered = await session.scalar(
        select(Message.id).where(
            Message.shop_id == shop_id,
            Message.client_id == uuid.uuid5(BOT_IDS, f"{message.id}:{MessageKind.TEXT.value}"),
        )
    )
    return None if answered is not None else (conversation, message)


async def do_bot_reply(session: AsyncSession, shop_id: int, message_id: int) -> Message | None:
    """The bot's answer to a shopper's message, or None when it stays silent (off, an
    agent holds the conversation, it handed over already, or answered this message)."""
    waiting = await _awaiting_bot(session, shop_id, message_id)
    if waiting is None:
        return None
    conversation, message = waiting
    shop = await session.get_one(Shop, shop_id)
    shop_open = (await shop_calendar(session, bot_actor(shop_id))).is_open(utcnow())
    settings = bot_settings(shop.bot_settings)
    if not may_answer(settings, shop_open):
        return None
    # In a thread: the first call of a process loads (or trains) the model, about a second.
    understood = await asyncio.to_thread(understand_one, message.body)
    if conversation.intent is None and not understood["intent"].startswith("general."):
        conversation.intent = understood["intent"]  # the question the shopper came with
    found = await answer_for(session, shop_id, message.body, channel=conversation.channel.value)
    decision = decide(
        message.body,
        understood,
        answered=found.best is not None,
        choices=bool(found.choices),
        misses=conversation.bot_misses,
        intents_off=settings["intents_off"],
    )
    tried = decision.step is not Step.SMALL_TALK  # small talk answers no question
    if tried:
        first = not bot_engaged(conversation)
        handoff = decision.step is Step.HANDOFF
        bot_facts(session, conversation, first=first, handoff=handoff, at=utcnow())
    if decision.step is Step.HANDOFF:
        assert decision.reason is not None
        return await _hand_off(
            session, conversation, message, decision.reason, understood["intent"], shop_open
        )
    if decision.step in (Step.ANSWER, Step.SMALL_TALK):
        conversation.awaiting_since = None  # answered: nobody owes this shopper a reply
    return await _reply(session, conversation, message, decision, found, understood["intent"])


async def do_update_bot_settings(
    session: AsyncSession, actor: Actor, **changes: Any
) -> dict[str, Any]:
    """Turn the bot off, on after hours, or always on, and choose the intents it leaves
    to people; returns the complete settings."""
    actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, actor)
    before = bot_settings(shop.bot_settings)
    after = before | clean_bot_settings(changes, intent_codes())
    if after != before:
        shop.bot_settings = after
        await session.flush()
        record_audit(
            session,
            actor,
            "shop.update_bot",
            "shop",
            shop.id,
            before={"bot_settings": before},
            after={"bot_settings": after},
        )
    return after
