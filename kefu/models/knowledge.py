"""The knowledge base: FAQ entries the bot answers from and agents are offered, and every
version of each (an edit never loses what the entry said before)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin, utcnow


class FaqEntry(IdMixin, ShopOwned, TimestampMixin, Base):
    """One question and its answer. ``similar`` are other ways shoppers ask it; the
    answer may use the quick-phrase variables ({客户昵称}, {订单号} …). ``channel`` None
    means every channel; ``valid_from``/``valid_until`` bound a seasonal answer (双11
    shipping times)."""

    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_shop_question", "shop_id", "question"),)

    question: Mapped[str] = mapped_column(String(200))
    similar: Mapped[list[Any]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(50))
    stage: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class FaqVersion(IdMixin, ShopOwned, Base):
    """What an entry said at one version, and who wrote it; version 1 is the entry as
    created, each edit adds the next."""

    __tablename__ = "faq_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("faq_entries.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]]
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
