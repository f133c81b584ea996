"""People: user accounts, their membership of shops as agents, teams, login sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.models.base import (
    Base,
    BigId,
    IdMixin,
    ShopOwned,
    TimestampMixin,
    text_enum,
    utcnow,
)


class Role(enum.StrEnum):
    OWNER = "owner"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    ANALYST = "analyst"


class Level(enum.StrEnum):
    JUNIOR = "junior"  # 初级
    INTERMEDIATE = "intermediate"  # 中级
    SENIOR = "senior"  # 高级


class Skill(enum.StrEnum):
    PRESALE = "presale"  # 售前
    INSALE = "insale"  # 售中
    AFTERSALE = "aftersale"  # 售后
    COMPLAINT = "complaint"  # 投诉


class Presence(enum.StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class User(IdMixin, TimestampMixin, Base):
    """A person who can log in; belongs to one or more shops through ``Agent`` rows."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(16))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None]

    memberships: Mapped[list[Agent]] = relationship(back_populates="user")


class Agent(IdMixin, ShopOwned, TimestampMixin, Base):
    """A user's membership of one shop: role, level, skills, presence and capacity."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(text_enum(Role), default=Role.AGENT)
    level: Mapped[Level] = mapped_column(text_enum(Level), default=Level.JUNIOR)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    presence: Mapped[Presence] = mapped_column(text_enum(Presence), default=Presence.OFFLINE)
    # Since when the agent's online time has not been counted yet (set going online, moved
    # on as the worker counts whole hours; None while not online): AGENT_ONLINE facts.
    presence_since: Mapped[datetime | None]
    max_concurrent_chats: Mapped[int] = mapped_column(Integer, default=5)
    can_view_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # When routing or a person last gave them a conversation: "longest idle" goes first.
    last_assigned_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")


class Team(IdMixin, ShopOwned, TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    skill: Mapped[Skill | None] = mapped_column(text_enum(Skill))


class TeamMember(ShopOwned, Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )


class LoginSession(TimestampMixin, Base):
    """A browser login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("shops.id", ondelete="SET NULL"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class ApiKey(IdMixin, ShopOwned, TimestampMixin, Base):
    """An integrator's key, scoped to one shop. The secret is shown once; only its hash is kept."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_by_agent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="SET NULL")
    )
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AgentConnection(IdMixin, ShopOwned, Base):
    """One open agent WebSocket, vouched for by the server process that holds it.

    The process refreshes ``seen_at`` while the socket is open and sets ``closed_at``
    when it closes; a process that dies simply stops refreshing, and its rows expire
    after ``KEFU_PRESENCE_LEASE_SECONDS``. An agent whose rows are all closed or expired
    for ``KEFU_PRESENCE_GRACE_SECONDS`` is set offline (kefu/actions/presence.py), and
    their rows are deleted then."""

    __tablename__ = "agent_connections"

    agent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    process: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
