"""The demo shop's quality inspection, so its /quality pages are not empty: the history's
shopper messages read for their colour and the emotional account (as the send path does,
without alerts), a scorecard
for every closed conversation of the history an agent answered (scored by the same code
the worker runs), and a week of a supervisor's work on them through the real actions: a
review confirming a card, one correcting a criterion, coaching notes (one acknowledged by
its agent, one still waiting), a dispute left for the supervisor to decide and one
decided. Written on the first build only (a refresh finds scorecards and adds nothing)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.coaching import do_acknowledge_coaching, do_write_coaching
from kefu.actions.emotion import note_shopper_emotion
from kefu.actions.scorecards import (
    do_decide_scorecard,
    do_dispute_scorecard,
    do_review_scorecard,
    queue_scorecard,
    score_one,
)
from kefu.demo import staff
from kefu.models import Agent, Conversation, ConversationStatus, Message, MessageKind, SenderKind
from kefu.models.base import utcnow
from kefu.models.quality import Scorecard, ScorecardStatus


def _actor(agent: Agent) -> Actor:
    return Actor.agent(
        agent.shop_id,
        agent.id,
        agent.display_name,
        agent.role,
        can_view_contact=True,
        user_id=agent.user_id,
    )


async def _score_history(session: AsyncSession, shop_id: int) -> list[Scorecard]:
    """Queue and score a card for each closed conversation with an agent; the newest
    first (a conversation the bot kept, without an agent's reply, gets none)."""
    conversations = await session.scalars(
        select(Conversation)
        .where(
            Conversation.shop_id == shop_id,
            Conversation.status == ConversationStatus.CLOSED,
            Conversation.assigned_agent_id.is_not(None),
        )
        .order_by(Conversation.id)
    )
    for conversation in list(conversations):
        assert conversation.closed_at is not None
        await queue_scorecard(session, conversation, conversation.closed_at)
    await session.flush()
    now = utcnow()
    for card in list(await session.scalars(select(Scorecard).where(Scorecard.shop_id == shop_id))):
        await score_one(session, card, now)
    await session.flush()
    return list(
        await session.scalars(
            select(Scorecard)
            .where(Scorecard.shop_id == shop_id, Scorecard.status == ScorecardStatus.AUTO)
            .order_by(Scorecard.closed_at.desc(), Scorecard.id.desc())
            .execution_options(populate_existing=True)
        )
    )


async def _read_history(session: AsyncSession, shop_id: int) -> None:
    """Every shopper text message of the history, in order, read as it would have been
    when it arrived: the conversations' colours, their timelines and the accounts."""
    rows = await session.execute(
        select(Message, Conversation)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.shop_id == shop_id,
            Message.sender_kind == SenderKind.VISITOR,
            Message.kind == MessageKind.TEXT,
        )
        .order_by(Message.id)
    )
    for message, conversation in rows.all():
        await session.run_sync(note_shopper_emotion, conversation, message, alert=False)
    await session.flush()


def _newest_of(cards: list[Scorecard], agent: Agent, *, flagged: bool = False) -> Scorecard:
    """The agent's newest card not used yet (with a quality finding, if asked for)."""
    for card in cards:
        if card.agent_id == agent.id and (card.findings if flagged else not card.findings):
            cards.remove(card)
            return card
    raise LookupError(f"the demo history has no scorecard of {agent.display_name}")


async def seed_quality(session: AsyncSession, shop_id: int) -> int:
    """Scorecards of the history and a supervisor's week on them; returns how many
    scorecards were written (0 when the shop has them already)."""
    if await session.scalar(select(Scorecard.id).where(Scorecard.shop_id == shop_id).limit(1)):
        return 0
    await _read_history(session, shop_id)
    cards = await _score_history(session, shop_id)
    agents = {
        agent.user.email.partition("@")[0]: agent
        for agent in await session.scalars(select(Agent).where(Agent.shop_id == shop_id))
    }
    supervisor = _actor(agents[staff.SUPERVISOR.key])
    chen, wang, liu = (agents[key] for key in ("agent", "wanglei", "liufang"))

    flagged = _newest_of(cards, chen, flagged=True)
    await do_review_scorecard(session, supervisor, flagged.id, comment="回复里有蔑视语，扣分成立")
    await do_write_coaching(
        session,
        supervisor,
        flagged.id,
        body="“这都不懂吗”会让顾客觉得被轻视。可以说：“可能是我没讲清楚，我再详细说明一下～”，"
        "再把详情页的关键信息直接发给顾客。",
        focus=["greeting", "contempt"],
    )
    corrected = _newest_of(cards, wang)
    await do_review_scorecard(
        session,
        supervisor,
        corrected.id,
        criteria=[{"key": "closing", "result": "na", "comment": "顾客已下线，结束语不适用"}],
    )
    coached = _newest_of(cards, wang)
    note = await do_write_coaching(
        session,
        supervisor,
        coached.id,
        body="首句回复先问候再回答：“您好，很高兴为您服务～”；结束前记得邀请顾客评价。",
        focus=["greeting", "rating_ask"],
    )
    await do_acknowledge_coaching(
        session, _actor(wang), note.id, reply="收到，下次先问候，结束时邀请评价"
    )
    disputed = _newest_of(cards, liu)
    await do_dispute_scorecard(
        session,
        _actor(liu),
        disputed.id,
        comment="顾客一上来就问物流，我直接查了单号，没来得及问候",
    )
    decided = _newest_of(cards, chen)
    await do_dispute_scorecard(
        session, _actor(chen), decided.id, comment="顾客说“好的”就下线了，来不及说结束语"
    )
    await do_decide_scorecard(
        session, supervisor, decided.id, decision="uphold", comment="结束语每次都要有，维持原分"
    )
    return (
        await session.scalar(
            select(func.count()).select_from(Scorecard).where(Scorecard.shop_id == shop_id)
        )
        or 0
    )
