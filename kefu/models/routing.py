"""A shop's routing policy: which team takes overflow, and level preferences per skill."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.models.base import Base, BigId, IdMixin, ShopOwned, TimestampMixin


class RoutingPolicy(IdMixin, ShopOwned, TimestampMixin, Base):
    """At most one row per shop; a shop without one routes by the defaults."""

    __tablename__ = "routing_policies"
    __table_args__ = (UniqueConstraint("shop_id"),)

    overflow_team_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="SET NULL")
    )
    # {"complaint": {"order": ["senior", "intermediate", "junior"], "before_load": true}}
    level_rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
