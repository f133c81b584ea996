"""The FAQ bot's rules, apart from the database: when it may answer, what it does with
one shopper message, and how it hands over to a person.

While the bot is on, it holds each new widget conversation (``with_bot``): the
conversation is in no agent's queue until the bot hands it over, and when the shopper is
done (thanks them after an answer, or goes quiet) the bot closes it as resolved. It
answers only while no agent holds the conversation, and only until it has handed
over once: after a handoff it never speaks in that conversation again, so it cannot loop
with the shopper or with an agent. It hands over when the shopper asks for a person
(intent ``general.human`` or words such as 转人工), when the message is red by the
three-colour rule, on a complaint, for an intent the shop keeps for people, and instead
of failing a second time in a row (no answer, or "did you mean" choices)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kefu.catalogs import LOCALES, N_, translations
from kefu.errors import Invalid
from kefu.knowledge.retrieval import clean
from kefu.knowledge.tracking import DEFAULT_STALL_DAYS, STALL_DAYS, Translate
from kefu.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    SenderKind,
    Skill,
)


def bot_reads(message: Message) -> bool:
    """A message the bot can answer: text, not the offline form."""
    return (
        message.kind is MessageKind.TEXT
        and bool(message.body)
        and not (message.payload or {}).get("offline_form")
    )


def bot_may_look(conversation: Conversation, message: Message) -> bool:
    """Whether the bot may look at this message at all: a shopper's text in an open
    conversation no agent holds and no handoff ended, or anything else the shopper sends
    where the bot holds the conversation (an image: it hands over, a person must look).
    Checked where the message is stored too, so the chat socket opens no transaction for
    the bot when it could not answer anyway."""
    return (
        message.sender_kind is SenderKind.VISITOR
        and (bot_reads(message) or conversation.with_bot)
        and conversation.status is ConversationStatus.OPEN
        and conversation.assigned_agent_id is None
        and conversation.bot_handoff is None
    )


class BotMode(enum.StrEnum):
    OFF = "off"
    AFTER_HOURS = "after_hours"  # only while the shop is closed (its business hours)
    UNSTAFFED = "unstaffed"  # while closed, and in business hours while no agent is online
    ALWAYS = "always"  # also in business hours: every new conversation meets the bot first


class Handoff(enum.StrEnum):
    ASKED = "asked"
    ANGRY = "angry"
    COMPLAINT = "complaint"
    UNANSWERED = "unanswered"
    INTENT_OFF = "intent_off"
    MEDIA = "media"  # an image or a form the bot cannot read


REASON_TEXT = {
    Handoff.ASKED: N_("The customer asked for a person"),
    Handoff.ANGRY: N_("The customer is upset (red by the three-colour rule)"),
    Handoff.COMPLAINT: N_("The customer complains"),
    Handoff.UNANSWERED: N_("The bot could not answer twice in a row"),
    Handoff.INTENT_OFF: N_("People handle this kind of question"),
    Handoff.MEDIA: N_("The customer sent a picture or a message form: a person must look"),
}
DEFAULTS: dict[str, Any] = {
    "mode": BotMode.OFF.value,
    "intents_off": [],
    "idle_minutes": 30,
    "stall_days": DEFAULT_STALL_DAYS,
}
IDLE_MINUTES = (5, 1440)  # a quiet conversation the bot holds closes after this long
# How a conversation the bot held ends: the shopper was helped, or never wrote at all.
RESOLVED, NO_REPLY = "bot_resolved", "no_reply"
HUMAN = "general.human"
COMPLAINT = "aftersale.complaint"
GREETING, THANKS = "general.greeting", "general.thanks"
HUMAN_WORDS = (
    *("转人工", "人工客服", "人工服务", "找人工", "要人工", "真人", "活人", "找客服"),
    *("human", "realperson", "liveagent", "talktoaperson"),  # as ``clean`` leaves them
)
MISSES_BEFORE_HANDOFF = 2
# How the bot addresses a shopper it knows no name of (other unknown variables are dropped).
FALLBACK_VALUES = {"客户昵称": "顾客"}

# The bot's own sentences are message ids, in English like every UI string; the bot says
# them in its shop's language (kefu.actions.bot, the zh_CN catalog holds the Chinese).
SAY_GREETING = N_("Hello, I am the shop's assistant 🤖. How can I help you?")
SAY_THANKS = N_("You're welcome! Ask me any time if there is anything else.")
SAY_CHOICES = N_("Did you mean one of these questions? Tap one to see its answer.")
SAY_SORRY = N_(
    "Sorry, I could not understand your question 😅 Please ask it another way, "
    'or type "human" to talk to a person.'
)
SAY_HANDOFF_OPEN = N_("Sure, connecting you to a person now, please wait a moment.")
SAY_HANDOFF_CLOSED = N_(
    "We are outside our service hours and nobody is here right now. Please leave your "
    "name, how to reach you and your question: we will contact you as soon as we are back."
)
SAY_HANDOFF_AWAY = N_(
    "Our agents are all away for a moment. Please leave your name, how to reach you and "
    "your question: an agent will contact you as soon as one is back."
)


def speech(locale: str) -> Translate:
    """The bot's ``gettext`` in a shop's language (zh_CN, the default, for any other)."""
    return translations(locale if locale in LOCALES else "zh_CN").gettext


def bot_settings(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings completed with the defaults (the bot is off until turned on)."""
    stored = stored or {}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def clean_bot_settings(changes: Mapping[str, Any], intents: Iterable[str]) -> dict[str, Any]:
    """Checked changes: ``mode`` one of :class:`BotMode`, ``intents_off`` intent codes
    the bot leaves to people, ``idle_minutes`` how long a quiet conversation stays open,
    ``stall_days`` how many days without tracking movement make a parcel stalled."""
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise Invalid(f"{sorted(unknown)[0]} cannot be changed here", field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    if "mode" in changes:
        modes = [m.value for m in BotMode]
        if changes["mode"] not in modes:
            raise Invalid(f"mode must be one of: {', '.join(modes)}", field="mode")
        cleaned["mode"] = changes["mode"]
    if "intents_off" in changes:
        value, known = changes["intents_off"], set(intents)
        if not isinstance(value, list) or not all(code in known for code in value):
            raise Invalid("intents_off must list intent codes of the taxonomy", field="intents_off")
        cleaned["intents_off"] = sorted(set(value))
    for name, (low, high) in (("idle_minutes", IDLE_MINUTES), ("stall_days", STALL_DAYS)):
        if name in changes:
            value = changes[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise Invalid(f"{name} must be a whole number from {low} to {high}", field=name)
            cleaned[name] = value
    return cleaned


def open_for_people(settings: Mapping[str, Any], shop_open: bool, agents_online: bool) -> bool:
    """Whether a person can take the shopper now, as the bot sees it: the shop is open
    and, for an ``unstaffed`` bot, an agent is online (lunch breaks, a shift nobody
    covers). A bot that hands over while nobody can take the chat offers to leave a
    message, as after hours."""
    staffed = agents_online or bot_settings(settings)["mode"] != BotMode.UNSTAFFED
    return shop_open and staffed


def may_answer(settings: Mapping[str, Any], open_now: bool) -> bool:
    """Whether the bot speaks at all now (the conversation's own state aside); ``open_now``
    from ``open_for_people``."""
    mode = bot_settings(settings)["mode"]
    return mode == BotMode.ALWAYS or (
        mode in (BotMode.AFTER_HOURS, BotMode.UNSTAFFED) and not open_now
    )


def resolution(conversation: Conversation) -> str:
    """The disposition of a conversation the bot closes: resolved once the bot tried to
    help (an answer, choices, a miss), else the shopper never asked anything."""
    tried = conversation.bot_answers or conversation.bot_misses
    return RESOLVED if tried else NO_REPLY


class Step(enum.StrEnum):
    ANSWER = "answer"
    CHOICES = "choices"
    SORRY = "sorry"
    SMALL_TALK = "small_talk"
    HANDOFF = "handoff"
    ORDER = "order"  # an answer from the shop's orders and parcels (kefu.actions.bot_orders)
    SIZE = "size"  # size advice from a size chart (kefu.actions.bot_sizing)


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    reason: Handoff | None = None


def asks_for_person(text: str) -> bool:
    folded = clean(text)
    return any(word in folded for word in HUMAN_WORDS)


def handoff_reason(
    text: str, understood: Mapping[str, Any], intents_off: Iterable[str]
) -> Handoff | None:
    """Why this message goes to a person at once, if it does."""
    if understood["intent"] == HUMAN or asks_for_person(text):
        return Handoff.ASKED
    if understood["intent"] == COMPLAINT:
        return Handoff.COMPLAINT
    if understood["emotion"] == "red":
        return Handoff.ANGRY
    if understood["intent"] in set(intents_off):
        return Handoff.INTENT_OFF
    return None


def decide(
    text: str,
    understood: Mapping[str, Any],
    *,
    answered: bool,
    choices: bool,
    misses: int,
    intents_off: Iterable[str] = (),
    about_order: bool = False,
    about_size: bool = False,
) -> Decision:
    """What the bot does with one message. ``answered``: the knowledge base has an
    answer; ``choices``: it has close questions to offer; ``misses``: failed answers in
    a row so far; ``about_order``: the shopper asks about an order or parcel (its intent,
    an order number of the shop, or the reply to the bot asking for one); ``about_size``:
    the shopper asks which size fits and gives a height or weight."""
    reason = handoff_reason(text, understood, intents_off)
    if reason is not None:
        return Decision(Step.HANDOFF, reason)
    if about_order:
        return Decision(Step.ORDER)
    if about_size:
        return Decision(Step.SIZE)
    if answered:
        return Decision(Step.ANSWER)
    if understood["intent"] in (GREETING, THANKS):
        return Decision(Step.SMALL_TALK)
    if misses + 1 >= MISSES_BEFORE_HANDOFF:
        return Decision(Step.HANDOFF, Handoff.UNANSWERED)
    return Decision(Step.CHOICES if choices else Step.SORRY)


def skill_for(intent: str) -> Skill | None:
    """The queue a handed-over conversation waits in, from what the shopper asked."""
    if intent == COMPLAINT:
        return Skill.COMPLAINT
    prefix = intent.partition(".")[0]
    return {
        "presale": Skill.PRESALE,
        "insale": Skill.INSALE,
        "logistics": Skill.INSALE,
        "aftersale": Skill.AFTERSALE,
    }.get(prefix)


def handoff_note(reason: Handoff, intent: str, recent: Iterable[str], _: Translate) -> str:
    """What the agent reads first: why, what the shopper wanted, their last words."""
    lines = [
        _("🤖 Handed over by the bot: %(reason)s") % {"reason": _(REASON_TEXT[reason])},
        _("Detected intent: %(intent)s") % {"intent": intent},
        _("The customer's last words:"),
    ]
    lines += [f"· {text}" for text in recent]
    return "\n".join(lines)
