"""Scorecards (质检评分卡): one per closed conversation, scored by the worker, reviewed by a
supervisor, disputed by the agent it scores and decided by a supervisor (calibration);
coaching notes a supervisor writes on a scorecard for its agent; the shopper's emotion
over a conversation (三色法则) and the customer's emotional account (情感账户)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import (
    Base,
    BigId,
    IdMixin,
    ShopOwned,
    TimestampMixin,
    text_enum,
    utcnow,
)


class ScorecardStatus(enum.StrEnum):
    PENDING = "pending"  # the conversation closed; the worker has not scored it yet
    AUTO = "auto"  # scored automatically
    REVIEWED = "reviewed"  # a supervisor looked at it (and perhaps changed results)
    DISPUTED = "disputed"  # the agent disputes it, with a comment
    DECIDED = "decided"  # a supervisor upheld or amended it: final


class Decision(enum.StrEnum):
    UPHOLD = "uphold"
    AMEND = "amend"


class Scorecard(IdMixin, ShopOwned, TimestampMixin, Base):
    """``criteria`` holds each criterion's outcome (``key``, ``result``, ``weight``,
    ``reason_zh``, ``reason_en``, and once a supervisor changed it ``auto_result``,
    ``comment``, ``by``); ``findings`` the quality finding codes on the agent's replies
    with how many replies carry each. ``auto_score`` is what the worker gave, ``score``
    what stands now."""

    __tablename__ = "scorecards"
    __table_args__ = (
        Index("ix_scorecards_shop_closed", "shop_id", "closed_at"),
        Index("ix_scorecards_status", "status"),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ScorecardStatus] = mapped_column(
        text_enum(ScorecardStatus), default=ScorecardStatus.PENDING
    )
    closed_at: Mapped[datetime]
    scored_at: Mapped[datetime | None]
    auto_score: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    criteria: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    penalty: Mapped[int] = mapped_column(Integer, default=0)
    reviewer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    dispute_comment: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None]
    decision: Mapped[Decision | None] = mapped_column(text_enum(Decision))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]


class CoachingNote(IdMixin, ShopOwned, Base):
    """A supervisor's coaching on one scorecard, for the agent it scores. ``focus`` links
    it to what the card found: criterion keys (``greeting`` …) and finding codes
    (``contempt`` …). The agent acknowledges it once, optionally answering."""

    __tablename__ = "coaching_notes"
    __table_args__ = (Index("ix_coaching_notes_shop_agent", "shop_id", "agent_id", "id"),)

    scorecard_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    focus: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)


class Emotion(enum.StrEnum):
    """The three colours (三色法则): red a serious problem, yellow a potential one, green
    satisfied or calm."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class EmotionChange(IdMixin, ShopOwned, Base):
    """The conversation's colour changed with a shopper's message: its timeline. ``words``
    are the lexicon entries that decided it (never the message itself)."""

    __tablename__ = "emotion_changes"
    __table_args__ = (Index("ix_emotion_changes_conversation", "conversation_id", "id"),)

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    emotion: Mapped[Emotion] = mapped_column(text_enum(Emotion))
    previous: Mapped[Emotion] = mapped_column(text_enum(Emotion))
    words: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountEntry(IdMixin, ShopOwned, Base):
    """One move of a customer's emotional account (情感账户): +1 for a positive exchange,
    -3 for a negative one (the seeds' rule). Kept per customer, or per widget visitor
    while the shopper is not a known customer."""

    __tablename__ = "emotional_account_entries"
    __table_args__ = (
        Index("ix_emotional_account_customer", "shop_id", "customer_id", "id"),
        Index("ix_emotional_account_visitor", "shop_id", "visitor_id", "id"),
    )

    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    visitor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("visitors.id", ondelete="CASCADE")
    )
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    delta: Mapped[int] = mapped_column(Integer)
    words: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
