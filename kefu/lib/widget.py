"""The chat widget's per-shop settings and the reply time it promises (pure).

Settings are stored as a small JSON object on the shop; missing keys take the defaults
below, so a shop that never touched them gets the seeds' commitment: a reply within an
hour while the shop is open, within four hours otherwise."""

from __future__ import annotations

import hashlib
import json
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
    # Proactive invitations: {"id", "message", "product_page_seconds", "cart_above_cents",
    # "returning_only"} each, first match wins (kefu.lib.visitors.invitation_for).
    "invitations": [],
}
RULE_ID_LENGTH = 8
# The greeting when the shop has not written its own (the widget shows the same words).
DEFAULT_GREETINGS = {
    "zh": "您好，欢迎光临{shop}！请问有什么可以帮您？",
    "en": "Hello, welcome to {shop}! How can we help you?",
}


def greeting_text(stored: Mapping[str, Any] | None, shop_name: str, lang: str) -> str:
    """The words the widget greets a shopper with: the shop's own, else the default in
    the widget's language (``zh`` or ``en``)."""
    own = widget_settings(stored)["greeting"]
    return own or DEFAULT_GREETINGS.get(lang, DEFAULT_GREETINGS["zh"]).format(shop=shop_name)


def rule_id(rule: Mapping[str, Any]) -> str:
    """A rule's id when it was saved without one: derived from what the rule says, so the
    same rule keeps its counts however often it is saved again unchanged."""
    said = [rule.get(k) for k in ("message", "product_page_seconds", "cart_above_cents")]
    said.append(bool(rule.get("returning_only")))
    digest = hashlib.sha256(json.dumps(said, ensure_ascii=False).encode()).hexdigest()
    return digest[:RULE_ID_LENGTH]


def widget_settings(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored settings completed with the defaults (unknown keys dropped); every
    invitation rule has its id (the counts of shown/accepted/converted are kept by it)."""
    stored = stored or {}
    settings = {key: stored.get(key, default) for key, default in DEFAULTS.items()}
    settings["invitations"] = [
        {**rule, "id": rule.get("id") or rule_id(rule)} for rule in settings["invitations"]
    ]
    return settings


def expected_reply_minutes(
    settings: Mapping[str, Any], calendar: ShopCalendar, at: datetime
) -> int:
    """How soon the shop promises to answer a message left at ``at``."""
    key = "reply_minutes_open" if calendar.is_open(at) else "reply_minutes_closed"
    return int(widget_settings(settings)[key])
