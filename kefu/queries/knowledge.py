"""Reading the knowledge base: entries, their versions, exports, and the search the bot
and agent assist use.

The search index of a shop is built from its entries once and kept in this process until
they change: the stamp (how many entries, the newest change, the highest id) is read on
every search, a cheap indexed query, so an edit made by any process invalidates it.
Entries switched off, outside their valid period, or for another channel are skipped
when ranking, not when indexing, so the index survives the clock moving on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.knowledge.retrieval import ANSWER_AT, MARGIN, MAX_CHOICES, SUGGEST_AT, FaqIndex, Hit
from kefu.knowledge.transfer import content_of
from kefu.lib import segment
from kefu.lib.phrases import fill
from kefu.models import Conversation, FaqEntry, FaqVersion, Message, MessageKind, SenderKind
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned
from kefu.queries.workspace import customer_panel

INDEX_CACHE_SHOPS = 256
_indexes: dict[int, tuple[tuple[Any, ...], FaqIndex, dict[int, FaqEntry]]] = {}


async def list_faqs(
    session: AsyncSession,
    actor: Actor,
    *,
    q: str | None = None,
    category: str | None = None,
    enabled: bool | None = None,
) -> list[FaqEntry]:
    """The shop's entries by category then question; ``q`` keeps those holding all its
    words (jieba) in the question, similar questions or answer."""
    actor.require(Permission.READ_SHOP_DATA)
    query = select(FaqEntry).where(FaqEntry.shop_id == actor.shop_id)
    if category is not None:
        query = query.where(FaqEntry.category == category)
    if enabled is not None:
        query = query.where(FaqEntry.enabled.is_(enabled))
    query = query.order_by(FaqEntry.category, FaqEntry.question, FaqEntry.id)
    entries = list(await session.scalars(query))
    if not q:
        return entries
    await segment.ready()
    terms = segment.search_terms(q)
    return [e for e in entries if all(t in _searchable(e) for t in terms)]


def _searchable(entry: FaqEntry) -> str:
    """The entry's words in one string (a shop's FAQ is hundreds of entries, not millions:
    filtering here beats matching inside JSON columns, which differ per database)."""
    return "\n".join([entry.question, *entry.similar, entry.answer])


async def get_faq(session: AsyncSession, actor: Actor, entry_id: int) -> FaqEntry:
    return await fetch_owned(session, actor, FaqEntry, entry_id, "FAQ entry")


async def faq_versions(session: AsyncSession, actor: Actor, entry_id: int) -> list[FaqVersion]:
    """Every version of an entry, newest first."""
    entry = await get_faq(session, actor, entry_id)
    return list(
        await session.scalars(
            select(FaqVersion)
            .where(FaqVersion.shop_id == actor.shop_id, FaqVersion.entry_id == entry.id)
            .order_by(FaqVersion.version.desc())
        )
    )


async def export_faqs(session: AsyncSession, actor: Actor) -> list[dict[str, Any]]:
    """Every entry as the import reads it, with its id."""
    return [{"id": e.id} | content_of(e) for e in await list_faqs(session, actor)]


async def _stamp(session: AsyncSession, shop_id: int) -> tuple[Any, ...]:
    row = (
        await session.execute(
            select(func.count(), func.max(FaqEntry.updated_at), func.max(FaqEntry.id)).where(
                FaqEntry.shop_id == shop_id
            )
        )
    ).one()
    return tuple(row)


async def shop_index(session: AsyncSession, shop_id: int) -> tuple[FaqIndex, dict[int, FaqEntry]]:
    """The shop's search index and its entries by id, rebuilt when they changed."""
    stamp = await _stamp(session, shop_id)
    cached = _indexes.get(shop_id)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    await segment.ready()
    entries = list(await session.scalars(select(FaqEntry).where(FaqEntry.shop_id == shop_id)))
    for entry in entries:  # kept across sessions: read-only copies
        session.expunge(entry)
    index = FaqIndex((e.id, [e.question, *e.similar]) for e in entries)
    if len(_indexes) >= INDEX_CACHE_SHOPS:
        _indexes.pop(next(iter(_indexes)))
    _indexes[shop_id] = (stamp, index, {e.id: e for e in entries})
    return index, _indexes[shop_id][2]


def _usable(entry: FaqEntry, at: datetime, channel: str | None) -> bool:
    return (
        entry.enabled
        and (entry.valid_from is None or entry.valid_from <= at)
        and (entry.valid_until is None or at < entry.valid_until)
        and (channel is None or entry.channel is None or entry.channel == channel)
    )


@dataclass(frozen=True, slots=True)
class Match:
    entry: FaqEntry
    score: float
    matched: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What the knowledge base says to a question: the entry to answer with (score at
    or above ``ANSWER_AT`` and ``MARGIN`` ahead of the next), else up to three close ones
    to offer, else nothing."""

    best: Match | None
    choices: list[Match]


async def search_faqs(
    session: AsyncSession,
    shop_id: int,
    question: str,
    *,
    channel: str | None = None,
    limit: int = MAX_CHOICES,
) -> list[Match]:
    """The usable entries that best answer ``question``, best first (score > 0)."""
    index, entries = await shop_index(session, shop_id)
    at = utcnow()
    hits: Sequence[Hit] = index.search(question, limit=len(entries))
    found = [
        Match(entries[h.entry_id], h.score, h.matched)
        for h in hits
        if _usable(entries[h.entry_id], at, channel)
    ]
    return found[:limit]


async def answer_for(
    session: AsyncSession, shop_id: int, question: str, *, channel: str | None = None
) -> Answer:
    """See :class:`Answer`."""
    found = await search_faqs(session, shop_id, question, channel=channel)
    if found and found[0].score >= ANSWER_AT:
        runner_up = found[1].score if len(found) > 1 else 0.0
        if found[0].score - runner_up >= MARGIN:
            return Answer(found[0], [])
    return Answer(None, [m for m in found if m.score >= SUGGEST_AT])


async def search_for(session: AsyncSession, actor: Actor, question: str) -> list[Match]:
    """The knowledge base's search for a person (the FAQ page, agents)."""
    actor.require(Permission.READ_SHOP_DATA)
    return await search_faqs(session, actor.shop_id, question, limit=10)


@dataclass(frozen=True, slots=True)
class Suggestion:
    entry: FaqEntry
    score: float
    text: str  # the answer with the conversation's variables filled


async def last_shopper_words(
    session: AsyncSession, shop_id: int, conversation_id: int
) -> str | None:
    """The conversation's last shopper message with text: what assist answers to."""
    return await session.scalar(
        select(Message.body)
        .where(
            Message.shop_id == shop_id,
            Message.conversation_id == conversation_id,
            Message.sender_kind == SenderKind.VISITOR,
            Message.body != "",
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


async def suggestions(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> tuple[str | None, list[Suggestion]]:
    """Agent assist: the last shopper message of the conversation and the three FAQ
    answers that best reply to it, variables ({客户昵称}, {订单号} …) filled."""
    panel = await customer_panel(session, actor, conversation_id)
    last = await last_shopper_words(session, actor.shop_id, panel.conversation.id)
    if last is None:
        return None, []
    return last, await suggested_answers(session, panel.conversation, last, panel.variables)


async def suggested_answers(
    session: AsyncSession, conversation: Conversation, said: str, variables: dict[str, str]
) -> list[Suggestion]:
    """The FAQ answers (up to three, score at least ``SUGGEST_AT``) that best reply to
    what the shopper ``said`` in this conversation's channel, ``variables`` filled."""
    found = await search_faqs(
        session, conversation.shop_id, said, channel=conversation.channel.value
    )
    return [
        Suggestion(m.entry, m.score, fill(m.entry.answer, variables))
        for m in found
        if m.score >= SUGGEST_AT
    ]


# What the shopper saw or wrote: text, pictures and cards (never notes or events).
SEEN_KINDS = (MessageKind.TEXT, MessageKind.IMAGE, MessageKind.CARD)


async def recent_exchange(
    session: AsyncSession, shop_id: int, conversation_id: int, limit: int
) -> list[Message]:
    """The conversation's last ``limit`` messages between the shopper and the shop (its
    agents and bot), oldest first. Internal notes and system events are not among them:
    callers send these words outside Kefu."""
    newest = await session.scalars(
        select(Message)
        .where(
            Message.shop_id == shop_id,
            Message.conversation_id == conversation_id,
            Message.kind.in_(SEEN_KINDS),
            Message.sender_kind.in_([SenderKind.VISITOR, SenderKind.AGENT, SenderKind.BOT]),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(newest)))


@dataclass(frozen=True, slots=True)
class BotReport:
    since: datetime
    conversations: int  # the bot answered, failed or handed over at least once
    contained: int  # …and no person was needed: no handoff, no agent's message
    handoffs: dict[str, int]

    @property
    def containment(self) -> float | None:
        return round(self.contained / self.conversations, 4) if self.conversations else None


async def bot_report(session: AsyncSession, actor: Actor, since: datetime) -> BotReport:
    """Bot containment and handoff reasons over the conversations started since ``since``."""
    actor.require(Permission.READ_SHOP_DATA)
    bot_spoke = or_(
        Conversation.bot_answers > 0,
        Conversation.bot_misses > 0,
        Conversation.bot_handoff.is_not(None),
    )
    scope = (Conversation.shop_id == actor.shop_id, Conversation.created_at >= since, bot_spoke)
    total = await session.scalar(select(func.count()).select_from(Conversation).where(*scope))
    agent_spoke = exists().where(
        Message.conversation_id == Conversation.id, Message.sender_kind == SenderKind.AGENT
    )
    contained = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(*scope, Conversation.bot_handoff.is_(None), ~agent_spoke)
    )
    reasons = await session.execute(
        select(Conversation.bot_handoff, func.count())
        .where(*scope, Conversation.bot_handoff.is_not(None))
        .group_by(Conversation.bot_handoff)
    )
    return BotReport(since, total or 0, contained or 0, {r: n for r, n in reasons})
