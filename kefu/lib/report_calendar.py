"""When a scheduled report is sent and which days it covers, in the shop's time zone.

A daily report sent on day D covers D−1; a weekly one the 7 days before its weekday; a
monthly one, sent on the 1st, the calendar month before. It is compared with the period
just before: the day or week before, or the month before that (whatever its length)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("daily", "weekly", "monthly")


def _sends_on(frequency: str, day: date, weekday: int | None) -> bool:
    if frequency == "daily":
        return True
    if frequency == "weekly":
        return day.weekday() == weekday
    return day.day == 1


def next_send(
    frequency: str, hour: int, weekday: int | None, zone: ZoneInfo, after: datetime
) -> datetime:
    """The first send moment strictly after ``after`` (UTC in, UTC out)."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    day = after.astimezone(zone).date()
    while True:  # at most 32 days ahead for a monthly report
        if _sends_on(frequency, day, weekday):
            moment = datetime.combine(day, time(hour), zone).astimezone(UTC)
            if moment > after:
                return moment
        day += timedelta(days=1)


def _month_before(first_of_month: date) -> tuple[date, date]:
    last = first_of_month - timedelta(days=1)
    return last.replace(day=1), last


def covered_days(frequency: str, sent_on: date) -> tuple[date, date]:
    """First and last day (both included) of the report sent on ``sent_on``."""
    if frequency == "daily":
        return sent_on - timedelta(days=1), sent_on - timedelta(days=1)
    if frequency == "weekly":
        return sent_on - timedelta(days=7), sent_on - timedelta(days=1)
    return _month_before(sent_on.replace(day=1))


def compared_days(frequency: str, first: date, last: date) -> tuple[date, date]:
    """The period a report's figures are compared with: of the same length just before,
    or for a monthly report the whole month before."""
    if frequency == "monthly":
        return _month_before(first)
    length = last - first + timedelta(days=1)
    return first - length, last - length
