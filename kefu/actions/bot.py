"""The FAQ bot at work: it reads each shopper message the moment it is stored and, when
it may (kefu.knowledge.bot), answers from the knowledge base, offers "did you mean"
choices, or hands the shopper to a person with a note saying why.

Called after the shopper's message is committed (the widget's HTTP route and the chat
socket), in a transaction of its own: a failing bot never loses the shopper's message.
Each reply's client_id derives from the message it answers, so a retried message (the
same client_id, the stored message returned) is never answered twice."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit
from kefu.actions.bot_orders import (
    bot_asked_for_order,
    names_an_order,
    order_reply,
    return_deadline,
)
from kefu.actions.bot_sizing import measures, size_reply
from kefu.actions.conversations import announce_change, announce_message, do_close_conversation
from kefu.actions.routing import do_route_conversation, lock_routing, rebalance, routing_actor
from kefu.errors import Conflict
from kefu.knowledge.bot import (
    FALLBACK_VALUES,
    IDLE_MINUTES,
    MISSES_BEFORE_HANDOFF,
    SAY_CHOICES,
    SAY_GREETING,
    SAY_HANDOFF_AWAY,
    SAY_HANDOFF_CLOSED,
    SAY_HANDOFF_OPEN,
    SAY_SORRY,
    SAY_THANKS,
    THANKS,
    BotMode,
    Decision,
    Handoff,
    Step,
    bot_may_look,
    bot_reads,
    bot_settings,
    clean_bot_settings,
    decide,
    handoff_note,
    may_answer,
    open_for_people,
    resolution,
    skill_for,
    speech,
)
from kefu.knowledge.sizing import SIZE_INTENT
from kefu.knowledge.tracking import ORDER_INTENTS, Translate, order_numbers, phone_tail
from kefu.lib.phrases import fill_or_drop
from kefu.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    SenderKind,
    Shop,
)
from kefu.models.base import utcnow
from kefu.queries.knowledge import Answer, answer_for
from kefu.queries.people import any_agent_online
from kefu.queries.shops import get_shop, shop_calendar
from kefu.queries.workspace import customer_panel
from kefu.reports.chat_facts import bot_engaged, bot_facts, stage_facts

log = logging.getLogger(__name__)
BOT_LABEL = "智能客服"
HANDOFF_TAG = "转人工"
RECENT = 3
IDLE_BATCH = 200  # conversations looked at per worker poll
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


async def _speech(session: AsyncSession, conversation: Conversation) -> Translate:
    """The bot's words in the language of the conversation's shop: an English shop's bot
    speaks English."""
    return speech((await session.get_one(Shop, conversation.shop_id)).locale)


async def _words(session: AsyncSession, conversation: Conversation, message_id: str) -> str:
    """One of the bot's own sentences (``SAY_…`` of kefu.knowledge.bot) in its language."""
    return (await _speech(session, conversation))(message_id)


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


async def bot_duty(session: AsyncSession, shop_id: int) -> tuple[dict[str, Any], bool]:
    """The shop's bot settings, and whether a person can take the shopper now
    (``open_for_people``: the shop is open, and for an unstaffed bot an agent online)."""
    shop = await session.get_one(Shop, shop_id)
    settings = bot_settings(shop.bot_settings)
    shop_open = (await shop_calendar(session, bot_actor(shop_id))).is_open(utcnow())
    online = settings["mode"] == BotMode.UNSTAFFED and await any_agent_online(session, shop_id)
    return settings, open_for_people(settings, shop_open, online)


async def bot_takes_new(session: AsyncSession, shop_id: int) -> bool:
    """Whether a conversation starting now goes to the bot instead of the agents' queue."""
    return may_answer(*await bot_duty(session, shop_id))


async def _to_queue(session: AsyncSession, conversation: Conversation) -> None:
    """The bot lets go: the conversation joins the agents' queue from now (its time with
    the bot was no wait for a person) and is routed at once if an agent is free."""
    if conversation.with_bot:
        conversation.with_bot, conversation.queued_at = False, utcnow()
        await session.flush()
        await announce_change(session, conversation, "queued")
    await do_route_conversation(session, routing_actor(conversation.shop_id), conversation.id)


async def _hold(session: AsyncSession, conversation: Conversation) -> None:
    """The bot takes a conversation that waited in the queue (it started while the bot
    was off): the shoppers behind it move up."""
    if not conversation.with_bot:
        conversation.with_bot = True
        await session.flush()
        await announce_change(session, conversation, "with_bot")
        await rebalance(session, conversation.shop_id, [conversation])


async def _resolve(session: AsyncSession, conversation: Conversation) -> None:
    """Close a conversation the bot held as it ended (see ``resolution``)."""
    await do_close_conversation(
        session,
        bot_actor(conversation.shop_id),
        conversation.id,
        disposition=resolution(conversation),
    )


async def _handoff_words(session: AsyncSession, conversation: Conversation, open_now: bool) -> str:
    """What the shopper is told on a handoff: a person comes now; or, with nobody to
    come, leave a message — because the shop is closed, or (an unstaffed bot in business
    hours) because no agent is online."""
    if open_now:
        return SAY_HANDOFF_OPEN
    calendar = await shop_calendar(session, bot_actor(conversation.shop_id))
    return SAY_HANDOFF_AWAY if calendar.is_open(utcnow()) else SAY_HANDOFF_CLOSED


async def _hand_off(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    reason: Handoff,
    intent: str,
    shop_open: bool,
) -> Message:
    """Stop the bot here for good, tell the shopper, leave the agent a note, and queue
    the conversation for the right skill (routed now if an agent is free). The caller
    holds the routing lock."""
    conversation.bot_handoff, conversation.bot_handoff_at = reason.value, utcnow()
    if HANDOFF_TAG not in conversation.tags:
        conversation.tags = [*conversation.tags, HANDOFF_TAG]
    # A complaint goes to the complaint queue whatever the shopper chose at the start.
    if reason is Handoff.COMPLAINT or conversation.skill is None:
        stage = conversation.skill
        conversation.skill = skill_for(intent) or conversation.skill
        stage_facts(session, conversation, stage, utcnow())
    note = handoff_note(
        reason,
        intent,
        await _recent_words(session, conversation),
        await _speech(session, conversation),
    )
    await _say(session, conversation, message, note, {"handoff": reason.value}, note=True)
    await announce_change(session, conversation, "handed_off")
    await _to_queue(session, conversation)
    # Routed to an agent who is online though the shop is closed: she answers now, so
    # the shopper hears a person is coming, not "leave a message" under her name.
    person_now = shop_open or conversation.assigned_agent_id is not None
    words = await _handoff_words(session, conversation, person_now)
    return await _say(
        session,
        conversation,
        message,
        await _words(session, conversation, words),
        {"handoff": reason.value, "leave_message": not person_now},
    )


async def _answer(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    found: Answer,
    deadline: str | None = None,
) -> Message:
    """The FAQ answer, with the shopper's own return deadline after it when they asked
    about returns (or that line alone when the FAQ has no answer)."""
    conversation.bot_answers += 1
    conversation.bot_misses = 0
    if found.best is None:
        assert deadline is not None
        return await _say(session, conversation, message, deadline, {"return_deadline": True})
    actor = bot_actor(conversation.shop_id)
    variables = (await customer_panel(session, actor, conversation.id)).variables
    payload: dict[str, Any] = {"faq_id": found.best.entry.id, "score": found.best.score}
    text = fill_or_drop(found.best.entry.answer, FALLBACK_VALUES | variables)
    if deadline:
        text, payload["return_deadline"] = f"{text}\n{deadline}", True
    return await _say(session, conversation, message, text, payload)


async def _reply(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    decision: Decision,
    found: Answer,
    intent: str,
    deadline: str | None,
) -> Message:
    if decision.step is Step.ANSWER:
        return await _answer(session, conversation, message, found, deadline)
    if decision.step is Step.SMALL_TALK:
        words = await _words(
            session, conversation, SAY_THANKS if intent == THANKS else SAY_GREETING
        )
        return await _say(session, conversation, message, words, {"small_talk": True})
    conversation.bot_misses += 1
    if decision.step is Step.CHOICES:
        choices = [{"faq_id": m.entry.id, "question": m.entry.question} for m in found.choices]
        words = await _words(session, conversation, SAY_CHOICES)
        return await _say(session, conversation, message, words, {"choices": choices})
    words = await _words(session, conversation, SAY_SORRY)
    return await _say(session, conversation, message, words, {"unanswered": True})


async def _looked_at(
    session: AsyncSession, shop_id: int, message_id: int
) -> tuple[Conversation, Message] | None:
    """The message and its conversation if the bot may look at it at all (see
    ``bot_may_look``)."""
    message = await session.get(Message, message_id)
    if message is None or message.shop_id != shop_id:
        return None
    conversation = await session.get(Conversation, message.conversation_id)
    if conversation is None or not bot_may_look(conversation, message):
        return None
    return conversation, message


async def _burst_answered(session: AsyncSession, message: Message) -> bool:
    """Whether the bot owes this message nothing: the shopper wrote again after it (the
    bot answers the newest message of a burst only), or the bot already replied after
    it (to it, a retry of it, or a newer message of the same burst)."""
    later = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.conversation_id == message.conversation_id,
            Message.id > message.id,
            Message.kind == MessageKind.TEXT,
            Message.sender_kind.in_([SenderKind.VISITOR, SenderKind.BOT]),
        )
    )
    return bool(later)


async def take_bot_turn(
    sessionmaker: async_sessionmaker[AsyncSession], shop_id: int, message_id: int
) -> None:
    """The bot's turn at a shopper's message, in a transaction of its own once the message
    is committed and its sender answered (the socket's ack, the REST response): the
    sender does not wait for the bot, whose first answer in a process loads the intent
    model, and whatever goes wrong here, the message stays stored. Turns that overlap
    are ordered by the bot's own lock (see ``do_bot_reply``)."""
    try:
        async with sessionmaker() as session:
            await do_bot_reply(session, shop_id, message_id)
            await session.commit()
    except Exception:
        log.exception("the bot failed to answer message %s", message_id)


async def do_bot_reply(session: AsyncSession, shop_id: int, message_id: int) -> Message | None:
    """The bot's answer to a shopper's message, or None when it stays silent (off, an
    agent holds the conversation, it handed over already, or this burst is answered).
    The caller commits either way: a bot that stops (turned off, the shop opened) lets
    its conversation go to the agents' queue.

    One shopper message burst gets one reply: the bot's turns in a shop take the routing
    lock one after another (the same lock agents' takeovers take) and each checks, under
    it, that no later message was stored; the message is understood before the lock."""
    looked = await _looked_at(session, shop_id, message_id)
    if looked is None:
        return None
    conversation, message = looked
    # In a thread: the first call of a process loads (or trains) the model, about a second.
    understood = (
        await asyncio.to_thread(understand_one, message.body) if bot_reads(message) else None
    )
    await lock_routing(session, shop_id)
    await session.refresh(conversation)
    if not bot_may_look(conversation, message) or await _burst_answered(session, message):
        return None
    settings, shop_open = await bot_duty(session, shop_id)
    if not may_answer(settings, shop_open):
        if conversation.with_bot:
            await _to_queue(session, conversation)
        return None
    if understood is None:
        bot_facts(
            session, conversation, first=not bot_engaged(conversation), handoff=True, at=utcnow()
        )
        return await _hand_off(session, conversation, message, Handoff.MEDIA, "—", shop_open)
    return await _turn(session, conversation, message, understood, settings, shop_open)


async def _turn(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    understood: dict[str, Any],
    settings: dict[str, Any],
    shop_open: bool,
) -> Message:
    """Decide and reply; a thank-you after an answer ends the conversation as resolved."""
    if conversation.intent is None and not understood["intent"].startswith("general."):
        conversation.intent = understood["intent"]  # the question the shopper came with
    found = await answer_for(
        session, conversation.shop_id, message.body, channel=conversation.channel.value
    )
    asked = await bot_asked_for_order(session, conversation)
    said = await _speech(session, conversation)
    deadline = await return_deadline(
        session, conversation, message.body, understood["intent"], said
    )
    decision = decide(
        message.body,
        understood,
        answered=found.best is not None or deadline is not None,
        choices=bool(found.choices),
        misses=conversation.bot_misses,
        intents_off=settings["intents_off"],
        about_order=await _about_order(session, conversation, message.body, understood, asked),
        about_size=understood["intent"] == SIZE_INTENT and measures(understood) != (None, None),
    )
    if decision.step is Step.ORDER:
        reply = await order_reply(
            session,
            bot_actor(conversation.shop_id),
            conversation,
            message.body,
            asked_before=asked,
            stall_days=settings["stall_days"],
            say=said,
        )
        return await _data_turn(session, conversation, message, shop_open, reply)
    if decision.step is Step.SIZE:
        sized = await size_reply(session, conversation, understood, said)
        return await _data_turn(session, conversation, message, shop_open, sized)
    if decision.step is not Step.SMALL_TALK:  # small talk answers no question
        first = not bot_engaged(conversation)
        handoff = decision.step is Step.HANDOFF
        bot_facts(session, conversation, first=first, handoff=handoff, at=utcnow())
    if decision.step is Step.HANDOFF:
        assert decision.reason is not None
        return await _hand_off(
            session, conversation, message, decision.reason, understood["intent"], shop_open
        )
    await _hold(session, conversation)
    if decision.step in (Step.ANSWER, Step.SMALL_TALK):
        conversation.awaiting_since = None  # answered: nobody owes this shopper a reply
    reply = await _reply(
        session, conversation, message, decision, found, understood["intent"], deadline
    )
    thanked = decision.step is Step.SMALL_TALK and understood["intent"] == THANKS
    if thanked and conversation.bot_answers:
        await _resolve(session, conversation)
    return reply


async def _about_order(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    understood: dict[str, Any],
    asked: bool,
) -> bool:
    """Whether the shopper asks about an order: by intent, by naming one of the shop's
    order numbers, or by answering the bot's request for the number and phone digits."""
    if understood["intent"] in ORDER_INTENTS:
        return True
    if asked and (order_numbers(text) or phone_tail(text)):
        return True
    return await names_an_order(session, conversation.shop_id, text)


class DataReply(Protocol):
    """An answer from the shop's data (kefu.actions.bot_orders, kefu.actions.bot_sizing)."""

    text: str
    found: bool
    payload: dict[str, Any]

    @property
    def miss(self) -> bool: ...


async def _data_turn(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    shop_open: bool,
    reply: DataReply,
) -> Message:
    """Say an answer from the shop's orders, parcels or size charts; a second failure in
    a row (no such order of theirs, no chart to go by) hands the shopper to a person
    instead, as for any question."""
    give_up = reply.miss and conversation.bot_misses + 1 >= MISSES_BEFORE_HANDOFF
    first = not bot_engaged(conversation)
    bot_facts(session, conversation, first=first, handoff=give_up, at=utcnow())
    if give_up:
        intent = conversation.intent or "general.other"
        return await _hand_off(
            session, conversation, message, Handoff.UNANSWERED, intent, shop_open
        )
    await _hold(session, conversation)
    if reply.found:
        conversation.bot_answers += 1
        conversation.bot_misses = 0
        conversation.awaiting_since = None
    elif reply.miss:
        conversation.bot_misses += 1
    return await _say(session, conversation, message, reply.text, reply.payload)


async def do_close_idle_bot_conversations(session: AsyncSession, now: datetime) -> int:
    """Close the conversations the bot holds whose shopper has been quiet for the shop's
    ``idle_minutes``, as resolved (or no reply). Run by the worker at every poll; a
    conversation another worker closed first is skipped. Returns how many closed."""
    last = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    candidates = await session.execute(
        select(Conversation.id, Conversation.shop_id, last)
        .where(
            Conversation.with_bot.is_(True),
            Conversation.status == ConversationStatus.OPEN,
            Conversation.assigned_agent_id.is_(None),
            last < now - timedelta(minutes=IDLE_MINUTES[0]),
        )
        .order_by(Conversation.id)
        .limit(IDLE_BATCH)
    )
    idle: dict[int, timedelta] = {}
    closed = 0
    for conversation_id, shop_id, quiet_since in candidates.all():
        if shop_id not in idle:
            shop = await session.get_one(Shop, shop_id)
            idle[shop_id] = timedelta(minutes=bot_settings(shop.bot_settings)["idle_minutes"])
        if quiet_since > now - idle[shop_id]:
            continue
        conversation = await session.get_one(Conversation, conversation_id)
        try:
            await _resolve(session, conversation)
        except Conflict:  # closed meanwhile
            continue
        closed += 1
    return closed


async def _release_all(session: AsyncSession, shop_id: int) -> None:
    """The bot turned off lets go of every conversation it holds: they join the queue."""
    await lock_routing(session, shop_id)
    held = await session.scalars(
        select(Conversation)
        .where(
            Conversation.shop_id == shop_id,
            Conversation.with_bot.is_(True),
            Conversation.status != ConversationStatus.CLOSED,
        )
        .order_by(Conversation.id)
    )
    for conversation in list(held):
        await _to_queue(session, conversation)


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
        if after["mode"] == BotMode.OFF:
            await _release_all(session, actor.shop_id)
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
