"""Customers (shoppers) and their identities on each channel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum
from kefu.models.workspace import CustomerType


class Customer(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)

    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(100))
    nickname: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    country: Mapped[str | None] = mapped_column(String(64))
    birthday: Mapped[date | None]
    member_level: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Which of ``tags`` the shop's tag rules gave (kefu.crm.tag_rules), to take back later.
    rule_tags: Mapped[list[Any]] = mapped_column(default=list, server_default="[]")
    note: Mapped[str | None] = mapped_column(Text)
    # The seeds' temperament (干脆型, 冷漠型, …), set by an agent: scripts for it come first.
    customer_type: Mapped[CustomerType | None] = mapped_column(text_enum(CustomerType))
    # Set when the customer asked for no more marketing: campaigns skip them from then on.
    opted_out_at: Mapped[datetime | None]

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )


class CustomerIdentity(IdMixin, ShopOwned, Base):
    """The same shopper on another channel (widget visitor, e-mail, marketplace IM id)."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("shop_id", "channel", "handle"),)

    customer_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200))

    customer: Mapped[Customer] = relationship(back_populates="identities")
