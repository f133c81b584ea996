"""Pure rules about widget visitors: who counts as returning."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def is_returning(first_seen_at: datetime, last_seen_at: datetime, tz: ZoneInfo) -> bool:
    """A visitor is returning when first seen on an earlier day (in the shop's time zone)
    than now: a second page in the same visit does not make anyone a regular."""
    return first_seen_at.astimezone(tz).date() < last_seen_at.astimezone(tz).date()
