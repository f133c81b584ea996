"""Orders, their lines, shipments with tracking events, and coupons."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, text_enum


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class ShipmentStatus(enum.StrEnum):
    PENDING = "pending"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"


class CouponKind(enum.StrEnum):
    AMOUNT = "amount"  # value in cents off
    PERCENT = "percent"  # value in percent off


class Order(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)

    external_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(
        text_enum(OrderStatus), default=OrderStatus.PENDING_PAYMENT
    )
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    placed_at: Mapped[datetime] = mapped_column(index=True)
    paid_at: Mapped[datetime | None]
    # Delivery promised to the shopper by (承诺送达); past it undelivered, a proactive rule
    # opens a logistics case (kefu.actions.proactive).
    promised_at: Mapped[datetime | None]
    # {"name", "phone", "province", "city", "district", "line", "postcode", "country"}
    address: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(String(500))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        order_by="OrderLine.line_no",
        lazy="selectin",
    )


class OrderLine(IdMixin, ShopOwned, Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("products.id", ondelete="SET NULL")
    )
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="lines")


class Shipment(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("shop_id", "external_id"),
        # Lifecycle journeys look for the deliveries of the last minute (kefu.crm.journey_runs).
        Index("ix_shipments_shop_delivered", "shop_id", "delivered_at"),
    )

    external_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    carrier: Mapped[str] = mapped_column(String(64))
    tracking_no: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(
        text_enum(ShipmentStatus), default=ShipmentStatus.PENDING
    )
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="TrackingEvent.at",
        lazy="selectin",
    )


class TrackingEvent(IdMixin, ShopOwned, Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "at", "status"),)

    shipment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    status: Mapped[ShipmentStatus] = mapped_column(text_enum(ShipmentStatus))
    location: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class Coupon(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "coupons"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CouponKind] = mapped_column(text_enum(CouponKind))
    value: Mapped[int] = mapped_column(Integer)
    min_spend_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customers.id", ondelete="SET NULL")
    )
    used_at: Mapped[datetime | None]
