"""What the agent workspace keeps beside conversations: the shop's and each agent's
quick phrases (快捷短语), and how far each agent has read each conversation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum, utcnow


class PhraseFolder(enum.StrEnum):
    """The stages of a sales conversation, in the order an agent meets them."""

    GREETING = "greeting"  # 欢迎语
    CONVERSATION = "conversation"  # 对话
    BARGAINING = "bargaining"  # 议价
    PAYMENT = "payment"  # 支付
    LOGISTICS = "logistics"  # 物流
    AFTERSALE = "aftersale"  # 售后
    REVIEW = "review"  # 评价
    CLOSING = "closing"  # 结束语


class CustomerType(enum.StrEnum):
    """The four shopper temperaments a script may be written for (the seeds' 买家类型)."""

    DECISIVE = "decisive"  # 干脆型: wants the facts, fast
    COLD = "cold"  # 冷漠型: says little, needs a reason to answer
    LIVELY = "lively"  # 活泼型: chats, likes warmth and emoji
    FUSSY = "fussy"  # 麻烦型: many questions and doubts, needs patience


class PhraseTestStatus(enum.StrEnum):
    RUNNING = "running"
    ENDED = "ended"


class QuickPhrase(IdMixin, ShopOwned, TimestampMixin, Base):
    """A reply an agent inserts with ``/shortcut``. ``agent_id`` set: that agent's own
    phrase; unset: the shop's library, managed by supervisors."""

    __tablename__ = "quick_phrases"
    __table_args__ = (Index("ix_quick_phrases_shop_shortcut", "shop_id", "shortcut"),)

    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(32))
    folder: Mapped[PhraseFolder] = mapped_column(
        text_enum(PhraseFolder), default=PhraseFolder.CONVERSATION
    )
    body: Mapped[str] = mapped_column(Text)
    customer_type: Mapped[CustomerType | None] = mapped_column(text_enum(CustomerType))


class PhraseTest(IdMixin, ShopOwned, TimestampMixin, Base):
    """An A/B test of a shop phrase: ``variants`` are its 2 to 4 candidate texts. Each
    conversation gets one of them, always the same; promoting a winner copies its text
    into the phrase and ends the test (``winner`` is that variant's index)."""

    __tablename__ = "phrase_tests"

    phrase_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("quick_phrases.id", ondelete="CASCADE"), index=True
    )
    variants: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[PhraseTestStatus] = mapped_column(
        text_enum(PhraseTestStatus), default=PhraseTestStatus.RUNNING
    )
    winner: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None]


class PhraseUse(IdMixin, ShopOwned, Base):
    """An agent inserted a tested phrase in a conversation: the variant they got. The
    outcomes (reply, order, rating) are read from the conversation afterwards."""

    __tablename__ = "phrase_uses"
    __table_args__ = (Index("ix_phrase_uses_test_conversation", "test_id", "conversation_id"),)

    test_id: Mapped[int] = mapped_column(BigId, ForeignKey("phrase_tests.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    variant: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationRead(ShopOwned, Base):
    """An agent's read position in a conversation: messages after it are unread."""

    __tablename__ = "conversation_reads"

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    last_read_message_id: Mapped[int] = mapped_column(BigId, default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
