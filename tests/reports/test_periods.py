"""Report periods are shop-local days: a Shanghai day starts at 16:00 UTC the day before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.errors import Invalid
from kefu.reports.periods import Period

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_shanghai_november_is_whole_utc_hours():
    november = Period.checked(date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
    assert november.days == 30
    assert november.start == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert november.end == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert november.local_day(datetime(2026, 11, 30, 15, 59, tzinfo=UTC)) == date(2026, 11, 30)


def test_the_previous_period_has_the_same_length_just_before():
    week = Period.checked(date(2026, 11, 9), date(2026, 11, 15), SHANGHAI)
    assert week.previous() == Period(date(2026, 11, 2), date(2026, 11, 8), SHANGHAI)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 11, 30), date(2026, 11, 1), "ends before it starts"),
        (date(2024, 1, 1), date(2026, 1, 1), "at most 400 days"),
    ],
)
def test_a_backwards_or_endless_period_is_refused(first, last, message):
    with pytest.raises(Invalid, match=message):
        Period.checked(first, last, SHANGHAI)
