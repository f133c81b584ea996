"""The chat widget's per-shop settings and the reply time it promises (pure).

Settings are stored as a small JSON object on the shop; missing keys take the defaults
below, so a shop that never touched them gets the seeds' commitment: a reply within an
hour while the shop is open, within four hours otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kefu.lib.business_hours import ShopCalendar

MAX_ANNOUNCEMENTS = 5
MAX_ANNOUNCEMENT_LENGTH = 100
MAX_GREETING_LENGTH = 300
MAX_REPLY_MINUTES = 7 * 24 * 60
MAX_INVITATIONS = 10
MAX_INVITATION_LENGTH = 200

DEFAULTS: dict[str, Any] = {
    "announcements": [],
    "greeting": None,  # None: the widget's own greeting, in the shopper's language
    "reply_minutes_open": 60,
    "reply_minutes_closed": 240,
    # Proactive invitations: {"message", "product_page_seconds", "cart_above_cents",
    # "returning_only"} each, first match wins (kefu.lib.visitors.invitation_for).
    "invitations": [],
}


def widget_settings(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings completed with the defaults (unknown keys dropped)."""
    stored = stored or {}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def expected_reply_minutes(
    settings: Mapping[str, Any], calendar: ShopCalendar, at: datetime
) -> int:
    """How soon the shop promises to answer a message left at ``at``."""
    key = "reply_minutes_open" if calendar.is_open(at) else "reply_minutes_closed"
    return int(widget_settings(settings)[key])
