"""Reporting (PRODUCT P8; docs/kpis.md): the facts KPIs count, and their hourly rollups.

Actions record one ``ReportEvent`` per fact in the same transaction as what it records
(a first response, a resolution, a rating …), so a figure never counts what did not
commit. The worker folds new events into ``ReportRollup`` rows (one per shop, UTC hour,
kind, agent, team and channel) and marks them ``folded``; dashboards read rollups plus
the few events not yet folded, and never scan messages. A flag, not a high-water id:
on PostgreSQL ids commit out of order, and an id mark would skip a late commit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, text
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


class ReportKind(enum.StrEnum):
    """What one report event records; ``value`` says what its number is."""

    VISIT = "visit"  # a widget visitor's first page view of a day
    CONVERSATION_OPENED = "conversation_opened"  # a new conversation (value 0)
    INQUIRY = "inquiry"  # a conversation whose shopper asked before buying (售前/询单)
    FIRST_RESPONSE = "first_response"  # value: seconds from the shopper's first message
    FIRST_RESPONSE_FAST = "first_response_fast"  # a first response within 3 minutes
    RESPONSE = "response"  # an agent reply to a waiting shopper; value: seconds waited
    TRANSFER = "transfer"  # a conversation handed to another agent or team
    RESOLVED = "resolved"  # a conversation closed by an agent
    REPEAT_CONTACT = "repeat_contact"  # a resolved conversation reopened or followed up
    RATING = "rating"  # value: the shopper's 1–5 stars
    RATING_GOOD = "rating_good"  # a rating of 4 or 5
    RATING_BAD = "rating_bad"  # a rating of 1 or 2 (a negative review)
    COMPLAINT = "complaint"  # a conversation or case classified as a complaint
    CASE_OPENED = "case_opened"
    CASE_SETTLED = "case_settled"  # value: compensation paid in cents
    RECOVERED = (
        "recovered"  # a complaint or bad rating that ended with a good rating or a settled case
    )
    SLA_MET = "sla_met"
    SLA_BREACHED = "sla_breached"
    BOT_CONVERSATION = "bot_conversation"  # the FAQ bot answered in a conversation
    BOT_HANDOFF = "bot_handoff"  # the bot handed the shopper to a person
    CONVERSION = "conversion"  # an inquiry's shopper paid an order; value: cents
    ORDER_PAID = "order_paid"  # value: cents
    REPEAT_ORDER = "repeat_order"  # a paid order by a customer who had paid before
    QA_REPLY = "qa_reply"  # an inspected agent reply; value: its findings' count
    QA_FLAGGED = "qa_flagged"  # an inspected agent reply with at least one finding
    AGENT_ONLINE = "agent_online"  # value: seconds an agent was online


class ReportEvent(ShopOwned, Base):
    """One fact. Dimensions are copied in (agent, team, channel, and the conversation's
    stage, intent and customer segment as known when the fact happened) so a KPI needs
    no join, and the drill-down lists the conversations or cases behind a figure."""

    __tablename__ = "report_events"
    __table_args__ = (
        Index("ix_report_events_shop_kind_at", "shop_id", "kind", "occurred_at"),
        Index("ix_report_events_conversation", "conversation_id"),
        Index(
            "ix_report_events_unfolded",
            "shop_id",
            postgresql_where=text("NOT folded"),
            sqlite_where=text("NOT folded"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation_id: Mapped[int | None] = mapped_column(BigId)
    case_id: Mapped[int | None] = mapped_column(BigId)
    agent_id: Mapped[int | None] = mapped_column(BigId)
    team_id: Mapped[int | None] = mapped_column(BigId)
    channel: Mapped[str | None] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(48))
    segment: Mapped[str | None] = mapped_column(String(16))
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    folded: Mapped[bool] = mapped_column(Boolean, default=False)


# "Not folded yet", spelled as the partial index ix_report_events_unfolded says it, for
# queries: SQLAlchemy writes ``not_(folded)`` as ``folded = 0`` on SQLite, which SQLite
# does not match to the index, and then reads every fact of the period instead.
UNFOLDED = text("NOT report_events.folded")


class ReportRollup(Base):
    """The sum of one hour's events of one kind for one agent, team, channel, stage,
    intent and segment (0 and "" stand for none or unknown, so the key has no NULLs and
    an upsert finds its row)."""

    __tablename__ = "report_rollups"

    shop_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    agent_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    team_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    intent: Mapped[str] = mapped_column(String(48), primary_key=True, default="")
    segment: Mapped[str] = mapped_column(String(16), primary_key=True, default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportFrequency(enum.StrEnum):
    """How often a scheduled report goes out, and so which days it covers: yesterday,
    the 7 days before the send day, or the calendar month before."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ReportSchedule(IdMixin, ShopOwned, TimestampMixin, Base):
    """An overview report e-mailed to ``recipients`` at ``send_hour`` in the shop's zone
    (on ``weekday``, 0 = Monday, when weekly; on the 1st when monthly).

    ``slot_at`` is the send moment of the report now owed (it names the period it
    covers); ``next_due_at`` is when a worker should next try it: the slot itself, a
    retry's later time, or a claim's lease. A worker claims the report by moving
    ``next_due_at`` from the value it read (compare-and-swap), so of two workers only one
    sends it; a sent report moves ``slot_at`` on to the next send moment."""

    __tablename__ = "report_schedules"
    __table_args__ = (Index("ix_report_schedules_due", "active", "next_due_at"),)

    created_by_agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    frequency: Mapped[ReportFrequency] = mapped_column(text_enum(ReportFrequency))
    send_hour: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int | None] = mapped_column(Integer)
    attach_leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    slot_at: Mapped[datetime]
    next_due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
