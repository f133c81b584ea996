"""Opening hours of a shop: is it open now, when does it open next, how much open time
lies between two instants, and when N minutes of open time have passed.

SLA clocks, offline handling and KPIs count only the time a shop is staffed, in the
shop's own time zone, skipping its holidays and counting its make-up working days (调休:
a weekend day worked in exchange for a holiday). Everything here works on aware datetimes
and real elapsed time, so a day with a daylight-saving change is 23 or 25 hours long
and no open second is ever counted twice."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
_SEARCH_DAYS = 31  # local days of open intervals looked at per step when adding time
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

Interval = tuple[datetime, datetime]


class HoursError(ValueError):
    """Business hours that make no sense; ``day`` names the weekday at fault, if any."""

    def __init__(self, message: str, day: str | None = None):
        super().__init__(message)
        self.day = day


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (e.g. "Asia/Shanghai"), or ``ValueError``.

    Only names of the IANA database are accepted, never arbitrary tzdata file paths."""
    if name not in _known_zones():
        raise ValueError(f"unknown time zone {name[:64]!r}; use a name like Asia/Shanghai")
    return ZoneInfo(name)


def _minutes(clock: Any, day: str) -> int:
    match = _CLOCK.match(clock) if isinstance(clock, str) else None
    if match is None:
        raise HoursError(f"{day}: {clock!r} is not a time like 09:00", day)
    minutes = int(match[1]) * 60 + int(match[2])
    if minutes > MINUTES_PER_DAY:
        raise HoursError(f"{day}: {clock} is past the end of the day (24:00)", day)
    return minutes


def _day_ranges(day: str, ranges: Any) -> list[tuple[int, int]]:
    if not isinstance(ranges, list | tuple):
        raise HoursError(f"{day}: give a list of [opens, closes] pairs", day)
    parsed = []
    for pair in ranges:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise HoursError(f"{day}: each opening must be a pair like ['09:00', '18:00']", day)
        start, end = _minutes(pair[0], day), _minutes(pair[1], day)
        if start >= end:
            raise HoursError(f"{day}: {pair[0]}–{pair[1]} closes before it opens", day)
        parsed.append((start, end))
    parsed.sort()
    for (_, first_end), (second_start, _) in pairwise(parsed):
        if second_start < first_end:
            raise HoursError(f"{day}: opening times overlap", day)
    return parsed


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02}:{minutes % 60:02}"


def validate_day_hours(ranges: Any, day: str = "hours") -> list[list[str]]:
    """Check the openings of one day (a list of ["HH:MM", "HH:MM"]) and return them sorted."""
    return [[_clock(s), _clock(e)] for s, e in _day_ranges(day, ranges)]


def validate_hours(hours: Any) -> dict[str, list[list[str]]]:
    """Check weekly hours and return them normalised: all seven days, sorted pairs.

    Keys are mon..sun (a missing day is closed); values are lists of ["HH:MM", "HH:MM"]
    pairs with opens < closes and no overlaps; "24:00" closes at midnight."""
    if not isinstance(hours, Mapping):
        raise HoursError("business hours must map weekdays (mon..sun) to opening times")
    unknown = sorted(set(hours) - set(DAYS))
    if unknown:
        raise HoursError(f"unknown weekday {unknown[0]!r}; use mon, tue, … sun", str(unknown[0]))
    return {day: validate_day_hours(hours.get(day, []), day) for day in DAYS}


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given; pass an aware time")
    return at


class ShopCalendar:
    """A shop's weekly hours in its time zone, minus its holidays (local dates), plus its
    exceptional working days (local date → that day's openings, replacing the weekly ones)."""

    def __init__(
        self,
        timezone: str,
        hours: Mapping[str, Any],
        holidays: frozenset[date] = frozenset(),
        working_days: Mapping[date, Any] | None = None,
    ):
        self.timezone = timezone
        self.zone = zone(timezone)
        self.hours = validate_hours(hours)
        self.working_days = {
            day: _day_ranges(day.isoformat(), ranges)
            for day, ranges in (working_days or {}).items()
        }
        self.holidays = frozenset(holidays) - set(self.working_days)
        self._weekly = [_day_ranges(day, self.hours[day]) for day in DAYS]

    @property
    def never_open(self) -> bool:
        return not any(self._weekly) and not any(self.working_days.values())

    def _opens_after(self, day: date) -> bool:
        """Whether the shop opens on some local day from ``day`` on (a bound for searches)."""
        return any(self._weekly) or any(d >= day and r for d, r in self.working_days.items())

    def _ranges(self, day: date) -> list[tuple[int, int]]:
        if day in self.working_days:
            return self.working_days[day]
        return [] if day in self.holidays else self._weekly[day.weekday()]

    def _local_instant(self, day: date, minutes: int) -> datetime:
        """The UTC instant of local ``day`` at ``minutes`` after midnight.

        A time skipped by a DST change is read with the offset before the change
        (``fold=0``), the way a wall clock that was not yet moved shows it."""
        day = day + timedelta(days=minutes // MINUTES_PER_DAY)
        minutes %= MINUTES_PER_DAY
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.zone)
        return local.astimezone(UTC)

    def _day_intervals(self, day: date) -> Iterator[Interval]:
        for start, end in self._ranges(day):
            opens, closes = self._local_instant(day, start), self._local_instant(day, end)
            if opens < closes:  # a range lying wholly inside a DST gap has no real time
                yield opens, closes

    def intervals(self, first: date, last: date) -> Iterator[Interval]:
        """Open intervals (UTC) of local days ``first``..``last``, merged where they touch."""
        current: Interval | None = None
        day = first
        while day <= last:
            for opens, closes in self._day_intervals(day):
                if current is not None and opens <= current[1]:
                    current = (current[0], max(current[1], closes))
                    continue
                if current is not None:
                    yield current
                current = (opens, closes)
            day += timedelta(days=1)
        if current is not None:
            yield current

    def _local_date(self, at: datetime) -> date:
        return _aware(at).astimezone(self.zone).date()

    def is_open(self, at: datetime) -> bool:
        """Whether the shop is staffed at instant ``at``."""
        day = self._local_date(at)
        one_day = timedelta(days=1)
        return any(o <= at < c for o, c in self.intervals(day - one_day, day + one_day))

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself if the shop is open then, else the instant it next opens (UTC).

        Raises ``ValueError`` when the shop never opens."""
        if self.never_open:
            raise ValueError("the shop has no business hours")
        day = self._local_date(at)
        horizon = max(day + timedelta(days=len(self.holidays) + 8), *self.working_days, day)
        for opens, closes in self.intervals(day - timedelta(days=1), horizon):
            if at < closes:
                return max(opens, at.astimezone(UTC))
        raise ValueError("the shop does not open again (every coming day is a holiday)")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``, exact to the microsecond (a paused clock must get
        back all of it, not a truncated second); zero when ``end`` is not after ``start``."""
        if _aware(end) <= _aware(start):
            return timedelta()
        one_day = timedelta(days=1)
        total = timedelta()
        for opens, closes in self.intervals(
            self._local_date(start) - one_day, self._local_date(end) + one_day
        ):
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        return total

    def business_seconds_between(self, start: datetime, end: datetime) -> int:
        """Whole seconds of open time in ``[start, end)``; 0 when ``end`` is not after ``start``."""
        return self.business_time_between(start, end) // timedelta(seconds=1)

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole minutes of open time in ``[start, end)`` (what SLA targets are set in)."""
        return self.business_seconds_between(start, end) // 60

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The first instant (UTC) by which ``amount`` of open time has passed since
        ``start``: ``start`` itself for zero, otherwise always an instant just after open time
        (a 60-minute target set at 17:30 of a 9–18 day falls due at 09:30 the next open day).

        Raises ``ValueError`` for a negative amount or a shop that never opens again."""
        if amount < timedelta():
            raise ValueError("cannot add a negative amount of business time")
        if not amount:
            return _aware(start)
        remaining = amount
        first = self._local_date(start) - timedelta(days=1)
        while self._opens_after(first):
            last = first + timedelta(days=_SEARCH_DAYS - 1)
            for opens, closes in self.intervals(first, last):
                begin = max(opens, start)
                if closes <= begin:
                    continue
                if closes - begin >= remaining:
                    return (begin + remaining).astimezone(UTC)
                remaining -= closes - begin
            first = last + timedelta(days=1)
        raise ValueError("the shop does not open again, so the time never runs out")

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """``add_business_time`` in whole seconds."""
        return self.add_business_time(start, timedelta(seconds=seconds))

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """``add_business_seconds`` in minutes."""
        return self.add_business_seconds(start, minutes * 60)
