"""What the agent workspace keeps beside conversations: the shop's and each agent's
quick phrases (快捷短语), and how far each agent has read each conversation."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
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
