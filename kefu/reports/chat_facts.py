"""The facts of a conversation's life (docs/kpis.md): opened, answered, transferred,
resolved, contacted again, rated, and what the FAQ bot did in it. Each is recorded by the
action where it happens, in that action's transaction.

``reply_facts`` runs on the chat hot path (``kefu.actions.messages.send_message``, many
messages to a group commit): it reads nothing, using only the conversation the batch
already loaded, and adds facts only for a reply to a waiting shopper and for an inspected
agent reply."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.models import Conversation, ConversationStatus, Message, Skill
from kefu.models.reports import UNFOLDED, ReportEvent, ReportKind
from kefu.reports.facts import conversation_dims, fact_recorded, record_fact
from kefu.reports.rollup import DIMENSIONS, add_to_rollups, rollup_key

FAST_RESPONSE_SECONDS = 180  # 3 minutes: the "3-minute response rate"
REPEAT_WINDOW = timedelta(hours=72)  # a new contact this soon undoes a resolution


def _dims(conversation: Conversation, agent_id: int | None) -> dict:
    return {
        "conversation_id": conversation.id,
        "agent_id": agent_id,
        "team_id": conversation.team_id,
        **conversation_dims(conversation),
    }


def _seconds(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds()), 0)


def shopper_wrote(conversation: Conversation, at: datetime) -> None:
    """A shopper's message: they wait from the oldest message nobody answered."""
    if conversation.awaiting_since is None:
        conversation.awaiting_since = at


def bot_engaged(conversation: Conversation) -> bool:
    """Whether the bot tried to answer here (an answer, choices, a miss or a handoff)."""
    return bool(conversation.bot_answers or conversation.bot_misses or conversation.bot_handoff)


def reply_facts(
    session: Session | AsyncSession,
    conversation: Conversation,
    message: Message,
    agent_id: int | None,
) -> None:
    """A reply from the shop (an agent, or an integrator's key with ``agent_id`` None),
    not a note; call before the conversation's first-response clock is set.

    To a waiting shopper: RESPONSE (seconds since the oldest unanswered shopper
    message); the first such reply is also FIRST_RESPONSE (+ FIRST_RESPONSE_FAST within
    3 minutes, + INQUIRY in a 售前 conversation: the inquiry this agent took up), and a
    bot-engaged conversation a person takes over without the bot
    handing it on is a BOT_HANDOFF all the same (the bot did not contain it). An agent's
    inspected text reply is a QA_REPLY (value: its findings), QA_FLAGGED with findings."""
    at, shop_id = message.created_at, conversation.shop_id
    dims = _dims(conversation, agent_id)
    if message.findings is not None:
        record_fact(
            session,
            shop_id,
            ReportKind.QA_REPLY,
            value=len(message.findings),
            occurred_at=at,
            **dims,
        )
        if message.findings:
            record_fact(session, shop_id, ReportKind.QA_FLAGGED, occurred_at=at, **dims)
    waiting = conversation.awaiting_since
    if waiting is None:
        return
    conversation.awaiting_since = None
    seconds = _seconds(waiting, at)
    record_fact(session, shop_id, ReportKind.RESPONSE, value=seconds, occurred_at=at, **dims)
    if conversation.first_response_at is not None:
        return
    record_fact(session, shop_id, ReportKind.FIRST_RESPONSE, value=seconds, occurred_at=at, **dims)
    if conversation.skill is Skill.PRESALE:  # a pre-sales question a person took up
        record_fact(session, shop_id, ReportKind.INQUIRY, occurred_at=at, **dims)
    if seconds <= FAST_RESPONSE_SECONDS:
        record_fact(session, shop_id, ReportKind.FIRST_RESPONSE_FAST, occurred_at=at, **dims)
    if bot_engaged(conversation) and conversation.bot_handoff is None:
        record_fact(
            session, shop_id, ReportKind.BOT_HANDOFF, occurred_at=at, **_dims(conversation, None)
        )


def stage_facts(
    session: Session | AsyncSession,
    conversation: Conversation,
    before: Skill | None,
    at: datetime,
) -> None:
    """The conversation's stage became known or changed: entering the complaint stage
    (chosen by the shopper, or the bot heard a complaint) makes it a COMPLAINT, once."""
    if conversation.skill is Skill.COMPLAINT and before is not Skill.COMPLAINT:
        record_fact(
            session,
            conversation.shop_id,
            ReportKind.COMPLAINT,
            occurred_at=at,
            **_dims(conversation, conversation.assigned_agent_id),
        )


async def _repeated(session: AsyncSession, conversation: Conversation) -> Conversation | None:
    """The shopper's conversation resolved within the repeat window before this one, if
    that resolution was not already undone by an earlier new contact."""
    same_shopper = [
        column == value
        for column, value in (
            (Conversation.visitor_id, conversation.visitor_id),
            (Conversation.customer_id, conversation.customer_id),
        )
        if value is not None
    ]
    if not same_shopper:
        return None
    previous = await session.scalar(
        select(Conversation)
        .where(
            Conversation.shop_id == conversation.shop_id,
            Conversation.id != conversation.id,
            Conversation.status == ConversationStatus.CLOSED,
            Conversation.closed_at >= conversation.created_at - REPEAT_WINDOW,
            or_(*same_shopper),
        )
        .order_by(Conversation.closed_at.desc())
        .limit(1)
    )
    if previous is None:
        return None
    counted = await fact_recorded(
        session, previous.shop_id, ReportKind.REPEAT_CONTACT, conversation_id=previous.id
    )
    return None if counted else previous


async def opened_facts(session: AsyncSession, conversation: Conversation) -> None:
    """A new conversation (after routing, so its agent is known): CONVERSATION_OPENED, a
    COMPLAINT when the shopper chose that stage, and a REPEAT_CONTACT of the shopper's conversation
    resolved in the last 72 hours, dated at that resolution and credited to its agent."""
    at = conversation.created_at
    dims = _dims(conversation, conversation.assigned_agent_id)
    record_fact(
        session, conversation.shop_id, ReportKind.CONVERSATION_OPENED, occurred_at=at, **dims
    )
    stage_facts(session, conversation, None, at)
    previous = await _repeated(session, conversation)
    if previous is not None and previous.closed_at is not None:
        record_fact(
            session,
            conversation.shop_id,
            ReportKind.REPEAT_CONTACT,
            occurred_at=previous.closed_at,
            **_dims(previous, previous.assigned_agent_id),
        )


async def credit_opened(session: AsyncSession, conversation: Conversation, agent_id: int) -> None:
    """A conversation nobody has answered yet is given to ``agent_id`` (taken from the
    queue, assigned, routed after a handoff or a requeue): its CONVERSATION_OPENED fact
    moves to that agent, so the ``conversations`` KPI counts it once, for the agent who
    actually took the chat. A fact already folded moves its count between rollup rows;
    the update re-checks ``NOT folded`` so a concurrent fold is seen either way."""
    if conversation.first_response_at is not None:
        return
    found = (
        await session.execute(
            select(ReportEvent.id, ReportEvent.occurred_at, *DIMENSIONS)
            .where(
                ReportEvent.shop_id == conversation.shop_id,
                ReportEvent.conversation_id == conversation.id,
                ReportEvent.kind == ReportKind.CONVERSATION_OPENED.value,
            )
            .limit(1)
        )
    ).first()
    if found is None or found.agent_id == agent_id:
        return
    fact = ReportEvent.id == found.id
    credited = update(ReportEvent).values(agent_id=agent_id)
    moved = await session.execute(credited.where(fact, UNFOLDED).returning(ReportEvent.id))
    if moved.first() is not None:
        return
    await session.execute(credited.where(fact))
    kind, (_, at, before, team, *labels) = ReportKind.CONVERSATION_OPENED.value, found
    shop_id = conversation.shop_id
    counts = Counter(
        {
            rollup_key(shop_id, at, kind, before, team, *labels): -1,
            rollup_key(shop_id, at, kind, agent_id, team, *labels): 1,
        }
    )
    await add_to_rollups(session, counts, Counter())


def transfer_facts(
    session: AsyncSession, conversation: Conversation, from_agent_id: int, at: datetime
) -> None:
    """An agent's conversation handed to another agent, a team or the queue: credited to
    the agent who handed it on."""
    record_fact(
        session,
        conversation.shop_id,
        ReportKind.TRANSFER,
        occurred_at=at,
        **_dims(conversation, from_agent_id),
    )


def resolved_facts(
    session: AsyncSession, conversation: Conversation, closer_id: int | None, at: datetime
) -> None:
    """Closed by the shop: RESOLVED, credited to the agent holding it (else the agent who
    closed it). A shopper still waiting stops waiting: no response is owed any more."""
    agent_id = conversation.assigned_agent_id or closer_id
    conversation.awaiting_since = None
    record_fact(
        session,
        conversation.shop_id,
        ReportKind.RESOLVED,
        occurred_at=at,
        **_dims(conversation, agent_id),
    )


async def rating_facts(session: AsyncSession, conversation: Conversation, at: datetime) -> None:
    """The shopper's stars, credited to the conversation's agent: RATING, RATING_GOOD
    (4–5) or RATING_BAD (1–2), and RECOVERED when a complaint ends with a good rating
    (unless a follow-up's outcome recovered it already). RATING_BAD's value is 1 when it
    gives the shop a shopper to win back, 0 in a complaint conversation: that shopper is
    counted by its COMPLAINT already (the recovery rate's denominator, docs/kpis.md)."""
    rating = conversation.rating
    assert rating is not None
    dims = _dims(conversation, conversation.assigned_agent_id)
    shop_id = conversation.shop_id
    record_fact(session, shop_id, ReportKind.RATING, value=rating, occurred_at=at, **dims)
    if rating >= 4:
        record_fact(session, shop_id, ReportKind.RATING_GOOD, occurred_at=at, **dims)
        if conversation.skill is Skill.COMPLAINT and not await fact_recorded(
            session, shop_id, ReportKind.RECOVERED, conversation_id=conversation.id
        ):
            record_fact(session, shop_id, ReportKind.RECOVERED, occurred_at=at, **dims)
    elif rating <= 2:
        troubled = int(conversation.skill is not Skill.COMPLAINT)
        record_fact(session, shop_id, ReportKind.RATING_BAD, value=troubled, occurred_at=at, **dims)


def bot_facts(
    session: AsyncSession, conversation: Conversation, *, first: bool, handoff: bool, at: datetime
) -> None:
    """The bot tried to answer: BOT_CONVERSATION the first time in a conversation, and
    BOT_HANDOFF when it hands the shopper to a person."""
    dims = _dims(conversation, None)
    if first:
        record_fact(
            session, conversation.shop_id, ReportKind.BOT_CONVERSATION, occurred_at=at, **dims
        )
    if handoff:
        record_fact(session, conversation.shop_id, ReportKind.BOT_HANDOFF, occurred_at=at, **dims)
