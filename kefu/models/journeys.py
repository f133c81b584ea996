"""Lifecycle touchpoints and NPS (PRODUCT P7; docs/crm.md): journeys the shop configures
on order and customer events, their steps, and the answers to the 0–10 "would you
recommend us" question. A step's messages are ``CampaignMessage`` rows (with
``journey_step_id`` instead of ``campaign_id``), so the monthly cap, quiet hours, opt-out
and the widget/webhook delivery are the campaigns' own."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum
from kefu.models.crm import CampaignChannel


class JourneyTrigger(enum.StrEnum):
    DELIVERED = "delivered"  # a shipment of the customer's order was delivered
    BIRTHDAY = "birthday"  # the customer's birthday (10:00 shop time)
    LAPSED = "lapsed"  # ``lapse_days`` after the last paid order, with none since


class Journey(IdMixin, ShopOwned, TimestampMixin, Base):
    """A sequence of steps, each ``delay_days`` after the trigger. ``scanned_until`` is
    the worker's cursor: steps due up to it were handled, and a worker claims the next
    window by moving it (compare-and-swap), so each window is handled once. Only
    triggers from ``started_at`` on count (creation, or switching it on again)."""

    __tablename__ = "journeys"

    name: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[JourneyTrigger] = mapped_column(text_enum(JourneyTrigger))
    lapse_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime]
    scanned_until: Mapped[datetime]

    steps: Mapped[list[JourneyStep]] = relationship(
        order_by="JourneyStep.position", cascade="all, delete-orphan", lazy="selectin"
    )


class JourneyStep(IdMixin, ShopOwned, Base):
    """One touchpoint of a journey. ``counts`` like a campaign's: recipients, sent,
    deferred (waiting for quiet hours to end), capped, opted_out, no_webhook, unreachable
    (an e-mail step's customer without an address), no_mailbox."""

    __tablename__ = "journey_steps"
    __table_args__ = (UniqueConstraint("journey_id", "position"),)

    journey_id: Mapped[int] = mapped_column(BigId, ForeignKey("journeys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    delay_days: Mapped[int] = mapped_column(Integer)
    channel: Mapped[CampaignChannel] = mapped_column(text_enum(CampaignChannel))
    template: Mapped[str] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class NpsAnswer(IdMixin, ShopOwned, Base):
    """One answer to "how likely are you to recommend us" (0–10). One per conversation
    when asked after a chat rating; answers from other channels come through the API."""

    __tablename__ = "nps_answers"
    __table_args__ = (
        UniqueConstraint("conversation_id"),
        Index("ix_nps_answers_shop_answered", "shop_id", "answered_at"),
    )

    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(16))  # widget, api
    answered_at: Mapped[datetime]
