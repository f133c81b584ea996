"""Business hours: the clock SLAs and KPIs will run on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.lib.business_hours import DAYS, HoursError, ShopCalendar, validate_hours

WEEKDAYS_9_TO_6 = {day: [["09:00", "18:00"]] for day in DAYS[:5]} | {"sat": [["10:00", "16:00"]]}
NATIONAL_DAY = date(2026, 10, 1)


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)  # wall clock of UTC+8


@st.composite
def weekly_hours(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    """Random valid hours: each day an even number of distinct quarter-hour marks."""
    hours = {}
    for day in DAYS:
        marks = sorted(draw(st.sets(st.integers(0, 96), max_size=6)))
        marks = marks[: len(marks) // 2 * 2]
        hours[day] = [
            [f"{a * 15 // 60:02}:{a * 15 % 60:02}", f"{b * 15 // 60:02}:{b * 15 % 60:02}"]
            for a, b in zip(marks[::2], marks[1::2], strict=True)
        ]
    return hours


calendars = st.builds(
    ShopCalendar,
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin", "UTC"]),
    weekly_hours(),
    st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20),
)
instants = st.datetimes(datetime(2025, 12, 1), datetime(2027, 1, 31), timezones=st.just(UTC)).map(
    lambda t: t.replace(microsecond=0)
)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, instants, instants)
def test_open_time_adds_up_over_a_split_point(calendar, a, b, c):
    start, middle, end = sorted((a, b, c))
    whole = calendar.business_seconds_between(start, end)
    assert whole == calendar.business_seconds_between(
        start, middle
    ) + calendar.business_seconds_between(middle, end)
    assert 0 <= whole <= (end - start).total_seconds()


@settings(max_examples=150, deadline=None)
@given(calendars, instants)
def test_one_second_counts_exactly_when_the_shop_is_open(calendar, at):
    second = calendar.business_seconds_between(at, at + timedelta(seconds=1))
    assert second == (1 if calendar.is_open(at) else 0)


@settings(max_examples=100, deadline=None)
@given(calendars, instants)
def test_next_open_is_open_and_nothing_is_counted_before_it(calendar, at):
    if calendar.never_open:
        with pytest.raises(ValueError):
            calendar.next_open(at)
        return
    opens = calendar.next_open(at)
    assert opens >= at
    assert calendar.is_open(opens)
    assert calendar.business_seconds_between(at, opens) == 0


@given(instants, instants)
def test_a_shop_that_is_always_closed_counts_zero(a, b):
    closed = ShopCalendar("Asia/Shanghai", {}, frozenset())
    assert closed.business_seconds_between(min(a, b), max(a, b)) == 0
    assert not closed.is_open(a)


def test_shanghai_weekend_counts_friday_evening_saturday_and_monday_morning():
    calendar = ShopCalendar("Asia/Shanghai", WEEKDAYS_9_TO_6, frozenset())
    friday_5pm, monday_10am = shanghai(2026, 11, 20, 17), shanghai(2026, 11, 23, 10)
    hours = calendar.business_seconds_between(friday_5pm, monday_10am) / 3600
    assert hours == 1 + 6 + 1
    assert calendar.next_open(shanghai(2026, 11, 21, 17)) == shanghai(2026, 11, 23, 9)


def test_holidays_are_closed_all_day():
    calendar = ShopCalendar("Asia/Shanghai", WEEKDAYS_9_TO_6, frozenset({NATIONAL_DAY}))
    assert not calendar.is_open(shanghai(2026, 10, 1, 11))
    assert calendar.is_open(shanghai(2026, 10, 2, 11))
    assert calendar.next_open(shanghai(2026, 9, 30, 19)) == shanghai(2026, 10, 2, 9)


def test_new_york_opens_at_nine_local_time_on_both_sides_of_dst():
    calendar = ShopCalendar("America/New_York", WEEKDAYS_9_TO_6, frozenset())
    before, after = datetime(2026, 3, 6, 14, tzinfo=UTC), datetime(2026, 3, 9, 13, tzinfo=UTC)
    assert calendar.next_open(before - timedelta(hours=1)) == before  # 09:00 EST = 14:00 UTC
    assert calendar.next_open(after - timedelta(hours=1)) == after  # 09:00 EDT = 13:00 UTC
    assert not calendar.is_open(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))


def test_a_round_the_clock_day_has_23_hours_when_clocks_spring_forward():
    calendar = ShopCalendar("America/New_York", {"sun": [["00:00", "24:00"]]}, frozenset())
    sunday = datetime(2026, 3, 8, 5, tzinfo=UTC)  # local midnight, EST
    assert calendar.business_seconds_between(sunday, sunday + timedelta(days=6)) == 23 * 3600


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon": [["9:00", "18:00"]]}, "mon: '9:00' is not a time like 09:00"),
        ({"tue": [["18:00", "09:00"]]}, "tue: 18:00–09:00 closes before it opens"),
        ({"wed": [["09:00", "12:00"], ["11:00", "14:00"]]}, "wed: opening times overlap"),
        ({"funday": []}, "unknown weekday 'funday'"),
        ({"sun": [["00:00", "24:30"]]}, "sun: 24:30 is past the end of the day"),
    ],
)
def test_invalid_hours_say_what_is_wrong(hours, message):
    with pytest.raises(HoursError, match=message):
        validate_hours(hours)


def test_validated_hours_list_every_day_sorted():
    hours = validate_hours({"mon": [["14:00", "18:00"], ["09:00", "12:00"]]})
    assert hours["mon"] == [["09:00", "12:00"], ["14:00", "18:00"]]
    assert hours["sun"] == []


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="unknown time zone"):
        ShopCalendar("Mars/Olympus", WEEKDAYS_9_TO_6, frozenset())
