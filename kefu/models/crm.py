"""Customer relationships: the daily RFM snapshot of each customer's segment, campaigns
and the messages they send (PRODUCT P7; docs/crm.md)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum


class RfmSnapshot(IdMixin, ShopOwned, Base):
    """One customer's scores and segment on one day: the rows of a day give the segment
    sizes then, two days side by side the flows between segments."""

    __tablename__ = "rfm_snapshots"
    __table_args__ = (
        UniqueConstraint("shop_id", "day", "customer_id"),
        Index("ix_rfm_snapshots_shop_day_segment", "shop_id", "day", "segment"),
    )

    day: Mapped[date]
    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    recency_days: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[int] = mapped_column(Integer)
    monetary_cents: Mapped[int] = mapped_column(BigInteger)
    r: Mapped[int] = mapped_column(SmallInteger)
    f: Mapped[int] = mapped_column(SmallInteger)
    m: Mapped[int] = mapped_column(SmallInteger)
    segment: Mapped[str] = mapped_column(String(16))


class CampaignChannel(enum.StrEnum):
    WEBHOOK = "webhook"  # a signed ``campaign.message`` delivery: the shop's SMS / IM adapter
    WIDGET = "widget"  # shown in the chat widget on the customer's next visit
    EMAIL = "email"  # a mail from the shop's mailbox, with a one-click unsubscribe link


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    LAUNCHED = "launched"


class Campaign(IdMixin, ShopOwned, TimestampMixin, Base):
    """Outreach to a segment or to the customers with a tag, in one or more A/B variants.

    ``variants`` is ``[{"name": "A", "text": "…{客户昵称}…"}, …]``; ``counts`` what the
    launch decided (``{"recipients", "sent", "deferred", "capped", "opted_out",
    "unreachable", …}``; unreachable: an e-mail campaign's customers without an address)."""

    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(100))
    segment: Mapped[str | None] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[CampaignChannel] = mapped_column(text_enum(CampaignChannel))
    variants: Mapped[list[Any]] = mapped_column(default=list)
    conversion_days: Mapped[int] = mapped_column(Integer, default=7)
    status: Mapped[CampaignStatus] = mapped_column(
        text_enum(CampaignStatus), default=CampaignStatus.DRAFT
    )
    launched_at: Mapped[datetime | None]
    launched_by: Mapped[str | None] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CampaignMessage(IdMixin, ShopOwned, Base):
    """One campaign's (or one journey step's) message to one customer. The unique keys are
    the de-duplication: a customer never gets the same campaign twice, nor the same
    journey step twice for one trigger (``trigger_key``, such as ``order:42``).
    ``sent_at`` is empty while the message waits for the end of the shop's quiet hours
    (``send_at``)."""

    __tablename__ = "campaign_messages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        UniqueConstraint("journey_step_id", "customer_id", "trigger_key"),
        Index("ix_campaign_messages_customer_send", "customer_id", "send_at"),
        Index("ix_campaign_messages_due", "sent_at", "send_at"),
    )

    campaign_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    journey_step_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("journey_steps.id", ondelete="SET NULL")
    )
    trigger_key: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    send_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    shown_at: Mapped[datetime | None]  # the widget showed it (widget channel)
