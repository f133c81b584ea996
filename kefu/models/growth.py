"""Agent growth: the training an agent took (新员工培训, 进阶培训, 导师带教, 考核), which
counts towards promotion criteria and shows on their growth page."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum


class TrainingKind(enum.StrEnum):
    ONBOARDING = "onboarding"  # 新员工培训
    ADVANCED = "advanced"  # 进阶培训
    MENTORING = "mentoring"  # 导师带教
    EXAM = "exam"  # 考核


class TrainingRecord(IdMixin, ShopOwned, TimestampMixin, Base):
    """One training an agent took; ``minutes`` so half hours add up exactly."""

    __tablename__ = "training_records"
    __table_args__ = (Index("ix_training_records_agent_held", "agent_id", "held_on"),)

    agent_id: Mapped[int] = mapped_column(BigId, ForeignKey("agents.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TrainingKind] = mapped_column(text_enum(TrainingKind))
    held_on: Mapped[date]
    minutes: Mapped[int] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)  # 0–100, for an exam
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
