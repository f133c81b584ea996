"""The e-mail channel (docs/email.md): a shop's mailbox (its IMAP and SMTP servers), every
mail received or sent, and the attachments of received mail.

A received mail is stored once: (mailbox, UIDVALIDITY, UID) is unique, and a mail whose
Message-ID the shop already holds is not stored again. An outbound mail is a job row
(queued → sending → sent, or queued again later, or failed after its last attempt),
written in the transaction of the agent's reply it carries, so a committed reply is never
lost and a rolled-back one never sent."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum, utcnow


class MailSecurity(enum.StrEnum):
    TLS = "tls"  # TLS from the first byte (IMAPS 993, SMTPS 465)
    STARTTLS = "starttls"  # plain, then upgraded (IMAP 143, submission 587)
    NONE = "none"  # plain text: a server on the same machine only


class MailDirection(enum.StrEnum):
    IN = "in"
    OUT = "out"


class MailKind(enum.StrEnum):
    RECEIVED = "received"  # a shopper's mail
    REPLY = "reply"  # an agent's reply from the workspace
    ACKNOWLEDGEMENT = "acknowledgement"  # automatic: a new thread got its case number
    AUTO_REPLY = "auto_reply"  # automatic: the shop is closed now
    NOTICE = "notice"  # a proactive-exception notice (kefu.actions.proactive)
    CAMPAIGN = "campaign"  # a campaign's or journey step's e-mail (kefu.crm.outreach)
    PROGRESS = "progress"  # a case's new status or public reply (kefu.actions.case_mail)
    RATING = "rating"  # asks to rate a closed e-mail conversation (kefu.actions.rating_mail)


class MailState(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class Mailbox(IdMixin, ShopOwned, TimestampMixin, Base):
    """One per shop. Passwords are kept because the servers need them at every login; they
    never leave this row through the API, an audit entry or a log line.

    ``next_poll_at`` is when a worker should poll next; a worker claims a poll by moving
    it from the value it read to the end of a lease (compare-and-swap), so two workers
    never poll one mailbox at once. ``last_uid`` is the highest UID stored under
    ``uid_validity``; a new UIDVALIDITY starts again from 0 (Message-IDs keep it from
    storing a mail twice)."""

    __tablename__ = "mailboxes"
    __table_args__ = (
        UniqueConstraint("shop_id"),
        Index("ix_mailboxes_active_next_poll", "active", "next_poll_at"),
    )

    active: Mapped[bool] = mapped_column(Boolean, default=True)
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(100))
    imap_host: Mapped[str] = mapped_column(String(253))
    imap_port: Mapped[int] = mapped_column(Integer, default=993)
    imap_security: Mapped[MailSecurity] = mapped_column(
        text_enum(MailSecurity), default=MailSecurity.TLS
    )
    imap_username: Mapped[str] = mapped_column(String(254))
    imap_password: Mapped[str] = mapped_column(String(500))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    smtp_host: Mapped[str] = mapped_column(String(253))
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[MailSecurity] = mapped_column(
        text_enum(MailSecurity), default=MailSecurity.STARTTLS
    )
    smtp_username: Mapped[str] = mapped_column(String(254), default="")
    smtp_password: Mapped[str] = mapped_column(String(500), default="")
    acknowledge: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow)
    uid_validity: Mapped[int | None] = mapped_column(BigId)
    last_uid: Mapped[int] = mapped_column(BigId, default=0)
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Mail(IdMixin, ShopOwned, Base):
    """One e-mail in or out. ``message_id`` is the Message-ID header (without <>);
    ``reference_ids`` the thread's ids, oldest first, as the mail carried them (in) or as we
    wrote them (out)."""

    __tablename__ = "mails"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "uid_validity", "uid"),
        Index("ix_mails_shop_message_id", "shop_id", "message_id"),
        Index("ix_mails_conversation_id", "conversation_id", "id"),
        Index("ix_mails_state_next_attempt", "state", "next_attempt_at"),
    )

    mailbox_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[MailDirection] = mapped_column(text_enum(MailDirection))
    kind: Mapped[MailKind] = mapped_column(text_enum(MailKind))
    state: Mapped[MailState] = mapped_column(text_enum(MailState))
    conversation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("conversations.id", ondelete="SET NULL")
    )
    case_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    # The chat message this mail is (in) or carries (out).
    chat_message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    uid_validity: Mapped[int | None] = mapped_column(BigId)
    uid: Mapped[int | None] = mapped_column(BigId)
    message_id: Mapped[str] = mapped_column(String(300))
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    reference_ids: Mapped[list[Any]] = mapped_column(default=list)
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(200))
    to_addresses: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(String(500), default="")
    text_body: Mapped[str] = mapped_column(Text, default="")
    # Sanitised with nh3 when received: safe to show as HTML.
    html_body: Mapped[str | None] = mapped_column(Text)
    # Why no automatic answer went to it (auto-submitted, a list, a bounce …), or why
    # parts of it were dropped (an attachment over the size limit).
    notes: Mapped[list[Any]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailAttachment(IdMixin, ShopOwned, Base):
    """A file a received mail carried, kept in the database (so a backup and an erasure
    cover it) and served to the shop's staff only, always as a download."""

    __tablename__ = "mail_attachments"

    mail_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("mails.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
