"""Shops (tenants), their calendars and holidays."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, IdMixin, ShopOwned, TimestampMixin

DEFAULT_BUSINESS_HOURS: dict[str, Any] = {
    day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
} | {"sat": [["10:00", "16:00"]], "sun": []}


class Shop(IdMixin, TimestampMixin, Base):
    __tablename__ = "shops"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    locale: Mapped[str] = mapped_column(String(16), default="zh_CN")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # {"mon": [["09:00", "18:00"]], ...}; an empty list means closed all day.
    business_hours: Mapped[dict[str, Any]] = mapped_column(
        default=lambda: dict(DEFAULT_BUSINESS_HOURS)
    )
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # Secret the storefront uses to sign customer ids passed to the widget.
    widget_secret: Mapped[str] = mapped_column(String(64))
    # The chat widget's texts and promises: announcements, greeting, expected reply times
    # (see kefu.actions.widget for the keys and their defaults).
    widget_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # First-response timer of the workspace: amber after the first, red after the second
    # (the platforms' 3-minute response rule).
    response_warn_seconds: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    response_alert_seconds: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    # After-sales cases: custom-field JSON schemas per type and compensation limits per
    # agent level (see kefu.actions.case_settings); the number the shop's latest case got.
    case_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    last_case_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Customer relationships: RFM thresholds, the frequency cap, quiet hours and the
    # conversion window of campaigns (see kefu.crm.settings for the keys and defaults).
    crm_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # The FAQ bot: when it answers and which intents it leaves to people (kefu.knowledge.bot).
    bot_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Quality inspection of agent replies: {"blocking": [finding codes]} — a reply with a
    # blocking finding is refused (see kefu.actions.quality); absent keys take defaults.
    quality_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Reporting: what an agent hour and a conversation cost, in cents, for the unit service
    # cost KPI (see kefu.reports.costs); absent keys are 0 (no cost said).
    reporting_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # Closed conversations (messages, pictures) are deleted this many days after closing
    # (kefu.worker.cleanup); 0 keeps them for ever. Report figures stay.
    conversation_retention_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Promotion criteria per agent level (初级→中级, 中级→高级): months at the level,
    # conversations, KPI thresholds, training hours (kefu.lib.levels: keys and defaults).
    level_settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class Holiday(IdMixin, ShopOwned, Base):
    """An exceptional day: closed all day (``hours`` None, e.g. 国庆节), or a make-up
    working day open ``hours`` instead of its weekly hours (调休上班, e.g. a Saturday)."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("shop_id", "day"),)

    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(100))
    # [["09:00", "18:00"], ...] on a make-up working day; None on a holiday.
    hours: Mapped[list[Any] | None]
