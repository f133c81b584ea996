"""Reading times written by people and spreadsheets, in a given time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (Asia/Shanghai); ``ValueError`` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use a name like Asia/Shanghai)") from None


def parse_local_time(text: str, tz: ZoneInfo) -> datetime:
    """ISO date/time text → aware UTC. Times without an offset are read in ``tz``
    (the earlier instant when a clock change makes one ambiguous)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time like 2026-03-01 10:15:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local calendar day begins in ``tz``, as aware UTC (a day boundary
    for filters that people give as dates in their shop's time zone)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
