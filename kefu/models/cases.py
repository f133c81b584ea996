"""After-sales cases (售后工单): the case, its timeline, and the compensation ledger.

Each case has a number per shop (``Shop.last_case_number`` hands them out). The timeline
holds every change and the internal comments. Compensations are the ledger: refunds of
an order line never add up to more than was paid for it (see kefu.actions.compensations).
SLA clocks (first response, resolution) are columns of the case, their targets the shop's
``SlaPolicy`` rows (see kefu.lib.sla and kefu.actions.sla)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.lib.cases import CasePriority, CaseStatus, CaseType, CompensationKind, Outcome
from kefu.lib.sla import NEXT_DUE_SQL, Reassign, SlaState
from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum, utcnow


class CaseSource(enum.StrEnum):
    CONVERSATION = "conversation"
    ORDER_LINE = "order_line"
    API = "api"
    WIDGET = "widget"  # the shopper's self-service request (kefu.actions.self_service)
    EMAIL = "email"  # a shopper's e-mail that started a new thread (kefu.actions.mail)
    PROACTIVE = "proactive"  # a rule on shop data fired (kefu.actions.proactive)


class CompensationStatus(enum.StrEnum):
    APPROVED = "approved"  # within the requester's limit, or approved by a supervisor
    PENDING_APPROVAL = "pending_approval"  # above it: waits for a supervisor
    DECLINED = "declined"


def _fk(table: str) -> Any:
    return ForeignKey(f"{table}.id", ondelete="SET NULL")


class Case(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("shop_id", "number"),
        Index("ix_cases_shop_status", "shop_id", "status"),
        Index("ix_cases_sla_check", "sla_check_at"),
        Index("ix_cases_shop_resolve_due", "shop_id", "resolve_due_at"),
        # The next due instant (kefu.queries.cases.NEXT_DUE, the same expression): the
        # case list nearest due first reads it in order (``kefu bench cases``).
        Index("ix_cases_shop_due", "shop_id", text(NEXT_DUE_SQL), "id"),
        Index("ix_cases_shop_follow_up_due", "shop_id", "follow_up_due_at"),
    )

    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[CaseType] = mapped_column(text_enum(CaseType))
    status: Mapped[CaseStatus] = mapped_column(text_enum(CaseStatus), default=CaseStatus.NEW)
    priority: Mapped[CasePriority] = mapped_column(
        text_enum(CasePriority), default=CasePriority.NORMAL
    )
    source: Mapped[CaseSource] = mapped_column(text_enum(CaseSource))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(BigId, _fk("customers"), index=True)
    # Indexed: every agent reply in a chat looks for the cases opened from it.
    conversation_id: Mapped[int | None] = mapped_column(BigId, _fk("conversations"), index=True)
    order_id: Mapped[int | None] = mapped_column(BigId, _fk("orders"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(BigId, _fk("order_lines"))
    assigned_agent_id: Mapped[int | None] = mapped_column(BigId, _fk("agents"), index=True)
    team_id: Mapped[int | None] = mapped_column(BigId, _fk("teams"))
    # {"photo_upload_ids": [...], "tracking_no", "batch_no", "customs_status"}
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Checked against the shop's JSON schema for the type.
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # SLA clocks, in the shop's business time. Each target has the instant it warns (80 %
    # used) and falls due, and a state (kefu.lib.sla.SlaState; None: no clock, the shop
    # never opens). ``sla_check_at`` is the next instant the worker must look at the case
    # (a warning or due time; None when no clock runs). Waiting on the shopper pauses both
    # clocks (``sla_paused_at``) and resuming moves their instants on.
    first_response_warn_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    first_response_sla: Mapped[SlaState | None] = mapped_column(text_enum(SlaState))
    resolve_warn_at: Mapped[datetime | None]
    resolve_due_at: Mapped[datetime | None]
    resolve_sla: Mapped[SlaState | None] = mapped_column(text_enum(SlaState))
    sla_paused_at: Mapped[datetime | None]
    sla_check_at: Mapped[datetime | None]
    # A follow-up (回访: complaint and review follow-up cases) is due by this instant and
    # ends with an explicit outcome (recovered or not) and a note; None for other types.
    follow_up_due_at: Mapped[datetime | None]
    outcome: Mapped[Outcome | None] = mapped_column(text_enum(Outcome))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[datetime | None]


class CaseEvent(IdMixin, ShopOwned, Base):
    """One line of a case's timeline: who did what when (``kind``), with what."""

    __tablename__ = "case_events"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(200))
    # created | status_changed | assigned | commented | compensation | compensation_decided
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[CaseStatus | None] = mapped_column(text_enum(CaseStatus))
    to_status: Mapped[CaseStatus | None] = mapped_column(text_enum(CaseStatus))
    body: Mapped[str | None] = mapped_column(Text)  # an internal comment, a note
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Compensation(IdMixin, ShopOwned, TimestampMixin, Base):
    """One entry of the ledger: a refund, coupon, reship, replacement or exchange, with
    its amount in cents (a refund's money back; otherwise what it costs the shop)."""

    __tablename__ = "compensations"
    __table_args__ = (CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    order_line_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CompensationKind] = mapped_column(text_enum(CompensationKind))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[CompensationStatus] = mapped_column(text_enum(CompensationStatus))
    note: Mapped[str | None] = mapped_column(String(500))
    requested_by_kind: Mapped[str] = mapped_column(String(16))
    requested_by_id: Mapped[int | None]
    requested_by_label: Mapped[str] = mapped_column(String(200))
    decided_by_label: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))


class SlaPolicy(IdMixin, ShopOwned, TimestampMixin, Base):
    """A shop's SLA targets for cases of one type and/or priority (None: any), in business
    minutes. The most specific policy matching a case applies (kefu.lib.sla.targets_for)."""

    __tablename__ = "sla_policies"

    case_type: Mapped[CaseType | None] = mapped_column(text_enum(CaseType))
    priority: Mapped[CasePriority | None] = mapped_column(text_enum(CasePriority))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolve_minutes: Mapped[int] = mapped_column(Integer)
    # On a breach, raise the case's priority one step (supervisors are always told).
    raise_priority: Mapped[bool] = mapped_column(Boolean, default=True)
    # On a breach, hand the case over (kefu.lib.sla.Reassign): off, least_loaded,
    # supervisor, or agent (the one named here; a deleted agent leaves it null).
    reassign: Mapped[Reassign] = mapped_column(
        text_enum(Reassign), default=Reassign.OFF, server_default=Reassign.OFF.value
    )
    reassign_agent_id: Mapped[int | None] = mapped_column(BigId, _fk("agents"))


class CaseView(IdMixin, ShopOwned, TimestampMixin, Base):
    """A case list's filters saved under a name by an agent (``VIEW_FIELDS`` of
    kefu.queries.cases); ``shared`` (set by supervisors) shows it to the whole shop."""

    __tablename__ = "case_views"
    __table_args__ = (UniqueConstraint("agent_id", "name"),)

    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)


class ProactiveException(IdMixin, ShopOwned, Base):
    """A proactive rule that fired on one order or shipment (kefu.actions.proactive). The
    unique key is the idempotency: a rule opens one case per subject ever, also with two
    workers at once (the second insert finds the row and does nothing)."""

    __tablename__ = "proactive_exceptions"
    __table_args__ = (UniqueConstraint("shop_id", "rule", "subject_id"),)

    rule: Mapped[str] = mapped_column(String(32))
    # The shipment's id for stalled parcels, else the order's id.
    subject_id: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int | None] = mapped_column(BigId, _fk("cases"))
    noticed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RatingChannel(enum.StrEnum):
    WIDGET = "widget"  # the signed-in shopper's after-sales panel
    EMAIL = "email"  # the signed link in a progress mail (kefu.web.pages.rate)


class CaseRating(IdMixin, ShopOwned, Base):
    """A shopper's satisfaction (CSAT, 1–5) with a finished case: once per case, in its own
    table so the case row (and its expression index) is never altered for it. ``agent_id``
    is the case's assignee when rated: the rating stays theirs if the case moves later."""

    __tablename__ = "case_ratings"
    __table_args__ = (
        UniqueConstraint("case_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index("ix_case_ratings_shop_rated_at", "shop_id", "rated_at"),
    )

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(BigId, _fk("agents"))
    channel: Mapped[RatingChannel] = mapped_column(text_enum(RatingChannel))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
