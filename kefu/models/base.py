"""Declarative base, shared column types and mixins for every table."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Integer,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest id either database stores; larger numbers from outside are refused early.
MAX_ID = 2**63 - 1
# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY auto-increments).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Aware UTC now; every stored time is UTC."""
    return datetime.now(UTC)


class _SQLiteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME writing the very text SQLAlchemy's own does ("2026-12-04
    17:13:10.000000") by ``isoformat`` at once: its own formatting took a fifth of the
    chat writer's plain writes (``kefu bench writer``). Given UTC times only."""

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return _sqlite_text


def _sqlite_text(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(" ", "microseconds")[:26]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    SQLite has no time zones; without this, values would come back naive."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC times")
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLiteDateTime())
        return super().load_dialect_impl(dialect)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def text_enum(enum_class: type[enum.Enum]) -> Enum:
    """An enum stored as its text value (no native DB enum: migrations stay simple)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ShopOwned:
    """Every row that belongs to a shop carries ``shop_id``; access checks compare it.
    It is indexed unless the table's own index leads with it (``shop_id_indexed``
    False): a second index of the same column only costs every insert a write."""

    shop_id_indexed: ClassVar[bool] = True

    @declared_attr
    def shop_id(cls) -> Mapped[int]:
        return mapped_column(
            BigId, ForeignKey("shops.id", ondelete="CASCADE"), index=cls.shop_id_indexed
        )
