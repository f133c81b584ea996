"""Typed events. Actions create them; they leave only after the transaction commits.

No I/O here. ``payload`` is exactly what clients and webhooks receive; every event type is
documented in ``docs/events.md`` (checked by the tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    name: ClassVar[str] = "event"

    shop_id: int
    payload: dict[str, Any] = field(default_factory=dict)
    # Stream keys of who should see it live: "agent:12", "shop:3", "visitor:ab12…".
    recipients: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ShopDataChanged(Event):
    """Products, customers, orders or shipments were created or updated (API or import)."""

    name: ClassVar[str] = "shop_data.changed"


@dataclass(frozen=True, slots=True)
class AgentChanged(Event):
    """An agent was added, edited, deactivated, or changed presence."""

    name: ClassVar[str] = "agent.changed"


@dataclass(frozen=True, slots=True)
class ShopSettingsChanged(Event):
    """The shop profile, business hours or holidays changed."""

    name: ClassVar[str] = "shop.settings_changed"


@dataclass(frozen=True, slots=True)
class TeamChanged(Event):
    """A team was created, renamed, given another skill or members, or deleted."""

    name: ClassVar[str] = "team.changed"


EVENT_TYPES: tuple[type[Event], ...] = (
    ShopDataChanged,
    AgentChanged,
    ShopSettingsChanged,
    TeamChanged,
)
