"""Reading the shopper's emotion (docs/quality.md#emotion): a conversation's colour over
time, and the emotional account (情感账户) of its customer, or of its widget visitor while
the shopper is not a known customer. Staff of the shop only; another shop's conversation
is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.errors import Forbidden
from kefu.models import Conversation
from kefu.models.quality import AccountEntry, EmotionChange
from kefu.queries.conversations import get_conversation

ACCOUNT_HISTORY = 20
MAX_CHANGES = 500


@dataclass(slots=True)
class Account:
    """The balance (the sum of every move) and the latest moves, newest first."""

    balance: int = 0
    entries: list[AccountEntry] = field(default_factory=list)


@dataclass(slots=True)
class EmotionTimeline:
    conversation: Conversation
    changes: list[EmotionChange]
    account: Account


async def emotional_account(session: AsyncSession, conversation: Conversation) -> Account:
    """The account of the conversation's customer (or visitor): its balance summed by
    the database, and its last moves."""
    if conversation.customer_id is not None:
        owner = AccountEntry.customer_id == conversation.customer_id
    elif conversation.visitor_id is not None:
        owner = AccountEntry.visitor_id == conversation.visitor_id
    else:
        owner = AccountEntry.conversation_id == conversation.id
    scope = (AccountEntry.shop_id == conversation.shop_id, owner)
    balance = await session.scalar(
        select(func.coalesce(func.sum(AccountEntry.delta), 0)).where(*scope)
    )
    entries = await session.scalars(
        select(AccountEntry).where(*scope).order_by(AccountEntry.id.desc()).limit(ACCOUNT_HISTORY)
    )
    return Account(int(balance or 0), list(entries))


async def emotion_timeline(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> EmotionTimeline:
    """The conversation's colour changes, oldest first, and its customer's account."""
    if actor.is_visitor:
        raise Forbidden("a shopper's emotion is for the shop's staff")
    conversation = await get_conversation(session, actor, conversation_id)
    changes = await session.scalars(
        select(EmotionChange)
        .where(EmotionChange.conversation_id == conversation.id)
        .order_by(EmotionChange.id)
        .limit(MAX_CHANGES)
    )
    return EmotionTimeline(
        conversation, list(changes), await emotional_account(session, conversation)
    )
