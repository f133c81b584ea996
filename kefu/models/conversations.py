"""Live chat: widget visitors, conversations, their messages, and the replay log of
realtime events (one row per event per recipient stream)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.agents import Skill
from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum, utcnow
from kefu.models.quality import Emotion


class Channel(enum.StrEnum):
    WEB = "web"
    API = "api"
    EMAIL = "email"


class ConversationStatus(enum.StrEnum):
    OPEN = "open"  # waiting for or talking with an agent
    PENDING = "pending"  # waiting for the shopper
    SNOOZED = "snoozed"  # put aside until snoozed_until
    CLOSED = "closed"


class SenderKind(enum.StrEnum):
    VISITOR = "visitor"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class MessageKind(enum.StrEnum):
    TEXT = "text"
    IMAGE = "image"
    CARD = "card"  # a product or order card
    NOTE = "note"  # internal: never sent to the visitor
    EVENT = "event"  # "transferred to Bob", "closed" …


class Visitor(IdMixin, ShopOwned, Base):
    """A browser talking to the widget. ``public_id`` is what the signed visitor token
    names; the row id never leaves the server."""

    __tablename__ = "visitors"
    __table_args__ = (Index("ix_visitors_shop_last_seen", "shop_id", "last_seen_at"),)

    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(500))
    current_page: Mapped[str | None] = mapped_column(String(2000))
    # What the widget last reported: the page's title, the shop's product id when it is a
    # product page, the cart's value the shop passed, and since when the visitor is there.
    page_title: Mapped[str | None] = mapped_column(String(300))
    product_external_id: Mapped[str | None] = mapped_column(String(64))
    cart_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    page_since: Mapped[datetime | None]
    # What the shopper typed into the offline form: how agents address them.
    display_name: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(String(100))


class InvitationView(IdMixin, ShopOwned, Base):
    """One invitation rule met by one visitor on one page view (the page and since when
    they are on it): shown, then perhaps accepted, then perhaps converted: the visitor's
    first message within ``CONVERSION_WINDOW`` (kefu.actions.invitations) of accepting.
    The unique key makes the widget's reports idempotent, so reloads count once."""

    __tablename__ = "invitation_views"
    __table_args__ = (
        UniqueConstraint("visitor_id", "rule_id", "page_since"),
        Index("ix_invitation_views_shop_shown", "shop_id", "shown_at"),
    )

    visitor_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(16))
    page_since: Mapped[datetime]
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )


class Conversation(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        Index("ix_conversations_shop_status", "shop_id", "status"),
        Index("ix_conversations_shop_external_id", "shop_id", "external_id"),
    )

    channel: Mapped[Channel] = mapped_column(text_enum(Channel), default=Channel.WEB)
    status: Mapped[ConversationStatus] = mapped_column(
        text_enum(ConversationStatus), default=ConversationStatus.OPEN
    )
    skill: Mapped[Skill | None] = mapped_column(text_enum(Skill))
    visitor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("visitors.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    assigned_agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))
    last_message_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    # The oldest shopper message nobody has answered yet (None: the shopper is not
    # waiting): a reply's response time is counted from here (docs/kpis.md).
    awaiting_since: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # The newest message an agent has read: the shopper's "已读" up to here.
    agent_read_message_id: Mapped[int | None] = mapped_column(BigId)
    # The agent's 信息核对: which details the shopper confirmed, by whom and when.
    verification: Mapped[dict[str, Any] | None]
    # Since when the shopper has waited for an agent: set when it starts and whenever it
    # goes back to the queue; the queue (open, unassigned) is served oldest first.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The marketplace's conversation id on the API channel (one open conversation each).
    external_id: Mapped[str | None] = mapped_column(String(200))
    # The FAQ bot: answers it gave, failed answers in a row, and why and when it handed
    # the shopper to a person (after which it never answers here again).
    bot_answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bot_misses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bot_handoff: Mapped[str | None] = mapped_column(String(32))
    bot_handoff_at: Mapped[datetime | None]
    # The bot holds the conversation: it is in no agent's queue until the bot hands it
    # over (or an agent takes it); it closes as bot-resolved when the shopper is done.
    with_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What reports filter by besides agent, team and channel (docs/kpis.md): the intent
    # the bot first recognised in a shopper's question, and the customer's RFM segment
    # when the conversation opened (None: unknown). The stage is ``skill``.
    intent: Mapped[str | None] = mapped_column(String(48))
    segment: Mapped[str | None] = mapped_column(String(16))
    # The shopper's mood by their messages (三色法则, docs/quality.md#emotion): green,
    # yellow or red, and since when; its changes are kept in ``emotion_changes``.
    emotion: Mapped[Emotion] = mapped_column(
        text_enum(Emotion), default=Emotion.GREEN, server_default=Emotion.GREEN.value
    )
    emotion_at: Mapped[datetime | None]


class Message(IdMixin, ShopOwned, Base):
    """One message. ``client_id`` (a UUID the sender chose) makes a retry return the
    stored message instead of storing it twice."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("shop_id", "client_id"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )
    shop_id_indexed = False  # the unique (shop_id, client_id) leads with it

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender_kind: Mapped[SenderKind] = mapped_column(text_enum(SenderKind))
    # An agent id or a visitor id, depending on sender_kind; None for bot and system.
    sender_id: Mapped[int | None] = mapped_column(BigId)
    kind: Mapped[MessageKind] = mapped_column(text_enum(MessageKind), default=MessageKind.TEXT)
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None]
    client_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Quality findings (codes) of an agent's text reply, recorded as it is sent: [] for a
    # good reply, None for what is not inspected (shoppers, notes, cards, older rows).
    findings: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))


class StreamEvent(ShopOwned, Base):
    """The replay log: one row per event per recipient stream ("agent:12", "shop:3",
    "visitor:<public id>"). The database assigns ``id``; a reconnecting client asks for
    everything after the last id it saw."""

    __tablename__ = "stream_events"
    __table_args__ = (
        Index("ix_stream_events_stream_id", "stream", "id"),
        Index("ix_stream_events_shop_id_id", "shop_id", "id"),
        # SQLite would otherwise hand out an id again once the newest rows are deleted,
        # and feeds and clients past it would skip the new event (migration 0038).
        {"sqlite_autoincrement": True},
    )
    shop_id_indexed = False  # ix_stream_events_shop_id_id leads with it

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stream: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StreamHorizon(Base):
    """One row: the highest replay-log id deleted by the cleanup (kefu/worker/cleanup.py).
    A client resuming from below it may have missed events and must reload. Kept
    apart from the log because ids need not start at 1 nor be contiguous."""

    __tablename__ = "stream_horizon"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Upload(IdMixin, ShopOwned, Base):
    """An image sent in a conversation. The file and its thumbnail live under the data
    directory (``uploads/<shop id>/<stored_name>``); only the conversation's visitor and
    the shop's agents may fetch them."""

    __tablename__ = "uploads"

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    sender_kind: Mapped[SenderKind] = mapped_column(text_enum(SenderKind))
    sender_id: Mapped[int | None] = mapped_column(BigId)
    content_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
