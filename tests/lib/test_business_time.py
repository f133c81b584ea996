"""Adding business minutes to an instant, the arithmetic SLA due times are made of: the
properties that must hold for any calendar (Asia/Shanghai without daylight saving, New
York and Berlin with it), and hand-computed due times over nights, weekends, holidays
and make-up working days (调休)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kefu.lib.business_hours import HoursError, ShopCalendar
from kefu.lib.sla import resume
from tests.lib.test_business_hours import WEEKDAYS_9_TO_6, instants, shanghai, weekly_hours

make_up_days = st.dictionaries(
    st.dates(date(2026, 1, 1), date(2026, 12, 31)),
    st.just([["09:00", "18:00"]]),
    max_size=4,
)
calendars = st.builds(
    ShopCalendar,
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin"]),
    weekly_hours(),
    st.frozensets(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=20),
    make_up_days,
).filter(lambda calendar: any(calendar.hours.values()))
minutes = st.integers(0, 60 * 24 * 20)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, minutes)
def test_adding_n_minutes_lands_exactly_n_business_minutes_later(calendar, start, n):
    due = calendar.add_business_minutes(start, n)
    assert due >= start
    assert calendar.business_seconds_between(start, due) == n * 60
    if n:  # the clock ran out during open time, never while the shop was closed
        assert calendar.is_open(due - timedelta(seconds=1))


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants, minutes, minutes)
def test_due_times_are_monotonic_in_the_start_and_the_target(calendar, a, b, m, n):
    (early, late), (few, many) = sorted((a, b)), sorted((m, n))
    assert calendar.add_business_minutes(early, few) <= calendar.add_business_minutes(late, few)
    assert calendar.add_business_minutes(early, few) <= calendar.add_business_minutes(early, many)


@settings(max_examples=100, deadline=None)
@given(calendars, instants, minutes, minutes)
def test_adding_twice_is_adding_the_sum(calendar, start, m, n):
    assume(m > 0)
    once = calendar.add_business_minutes(start, m + n)
    assert calendar.add_business_minutes(calendar.add_business_minutes(start, m), n) == once


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants)
def test_minutes_between_are_additive_and_zero_while_closed(calendar, a, b):
    start, end = sorted((a, b))
    whole = calendar.business_minutes_between(start, end)
    assert whole * 60 <= calendar.business_seconds_between(start, end) < whole * 60 + 60
    opens = calendar.next_open(start)
    assert calendar.business_minutes_between(start, min(opens, end)) == 0


def test_a_shop_that_never_opens_again_cannot_fall_due():
    closed = ShopCalendar(
        "Asia/Shanghai", {}, frozenset(), {date(2026, 9, 27): [["09:00", "18:00"]]}
    )
    assert closed.add_business_minutes(shanghai(2026, 9, 26, 12), 60) == shanghai(2026, 9, 27, 10)
    with pytest.raises(ValueError, match="does not open again"):
        closed.add_business_minutes(shanghai(2026, 9, 28, 12), 60)
    with pytest.raises(ValueError, match="negative"):
        closed.add_business_minutes(shanghai(2026, 9, 26, 12), -1)


# Hand-computed, Shanghai, Mon–Fri 09–18 and Sat 10–16; 2026-11-20 is a Friday.
@pytest.mark.parametrize(
    ("start", "target", "due"),
    [
        (shanghai(2026, 11, 18, 10), 60, shanghai(2026, 11, 18, 11)),  # inside the day
        (shanghai(2026, 11, 18, 17, 30), 60, shanghai(2026, 11, 19, 9, 30)),  # over a night
        (shanghai(2026, 11, 18, 22), 60, shanghai(2026, 11, 19, 10)),  # opened at night
        (shanghai(2026, 11, 20, 17), 120, shanghai(2026, 11, 21, 11)),  # into Saturday
        (shanghai(2026, 11, 21, 15), 120, shanghai(2026, 11, 23, 10)),  # over Sunday
        (shanghai(2026, 11, 20, 17), 24 * 60, shanghai(2026, 11, 24, 17)),  # 1+6+9+8 h
    ],
)
def test_due_times_over_nights_and_weekends(start, target, due):
    calendar = ShopCalendar("Asia/Shanghai", WEEKDAYS_9_TO_6, frozenset())
    assert calendar.add_business_minutes(start, target) == due


def test_national_day_holidays_and_the_make_up_saturday():
    """国庆: closed 1–7 October 2026; Saturday 10 October is worked 09–18 instead (调休)."""
    golden_week = frozenset(date(2026, 10, d) for d in range(1, 8))
    calendar = ShopCalendar(
        "Asia/Shanghai", WEEKDAYS_9_TO_6, golden_week, {date(2026, 10, 10): [["09:00", "18:00"]]}
    )
    # Opened Wednesday 30 September at 17:00: one hour that day, then 8 October at 09:00.
    assert calendar.add_business_minutes(shanghai(2026, 9, 30, 17), 120) == shanghai(
        2026, 10, 8, 10
    )
    # Friday 9 October 17:00 + 3 h: 1 h on Friday, 2 h of the make-up Saturday from 09:00.
    assert calendar.add_business_minutes(shanghai(2026, 10, 9, 17), 180) == shanghai(
        2026, 10, 10, 11
    )
    assert calendar.business_minutes_between(shanghai(2026, 10, 10), shanghai(2026, 10, 11)) == 540


def test_a_target_in_new_york_spans_the_spring_forward_weekend():
    calendar = ShopCalendar("America/New_York", WEEKDAYS_9_TO_6, frozenset())
    friday_5pm_est = datetime(2026, 3, 6, 22, tzinfo=UTC)
    # 1 h on Friday, the Saturday's 6 h, then 1 h on Monday 09:00–10:00 EDT (UTC−4).
    due = calendar.add_business_minutes(friday_5pm_est, 8 * 60)
    assert due == datetime(2026, 3, 9, 14, tzinfo=UTC)


def test_make_up_day_hours_are_checked():
    with pytest.raises(HoursError, match="closes before it opens"):
        ShopCalendar("Asia/Shanghai", {}, frozenset(), {date(2026, 10, 10): [["18:00", "09:00"]]})


def test_one_business_day_is_nine_hours():
    calendar = ShopCalendar("Asia/Shanghai", WEEKDAYS_9_TO_6, frozenset())
    start = shanghai(2026, 11, 18, 9)
    assert calendar.add_business_minutes(start, 9 * 60) == start + timedelta(hours=9)


@settings(max_examples=100, deadline=None)
@given(calendars, instants, st.integers(1, 5_000), st.integers(0, 2_000_000))
def test_a_pause_that_ends_at_once_gives_back_every_microsecond(calendar, start, n, pause):
    """Waiting on the shopper for no time at all must not move a due time earlier. A due
    time is always one the calendar made (at most at a closing instant: 137 µs after a
    closing is the same due time, no open time lies between them)."""
    paused = calendar.add_business_minutes(start, 1) + timedelta(microseconds=pause)
    due = calendar.add_business_time(start, timedelta(minutes=n, microseconds=137))
    assume(due > paused and calendar.is_open(paused))
    assert resume(calendar, paused, paused, due) == due
