"""Scorecards (质检评分卡): one per closed conversation, scored by the worker, reviewed by a
supervisor, disputed by the agent it scores and decided by a supervisor (calibration)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum


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
