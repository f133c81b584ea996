"""Send moments and covered days of scheduled reports, in Shanghai time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.lib.report_calendar import compared_days, covered_days, next_send

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "weekday", "after", "expected"),
    [
        # 2026-11-30 07:59 Shanghai → 08:00 the same day (00:00 UTC).
        ("daily", None, utc(2026, 11, 29, 23, 59), utc(2026, 11, 30, 0, 0)),
        # Exactly at the send moment: the next one, a day later.
        ("daily", None, utc(2026, 11, 30, 0, 0), utc(2026, 12, 1, 0, 0)),
        # Monday 2026-11-30 after 08:00 → next Monday.
        ("weekly", 0, utc(2026, 11, 30, 1, 0), utc(2026, 12, 7, 0, 0)),
        # Wednesday 2026-12-02 → Sunday 2026-12-06.
        ("weekly", 6, utc(2026, 12, 2, 5, 0), utc(2026, 12, 6, 0, 0)),
        # 2026-12-02 → 2027-01-01 08:00 Shanghai.
        ("monthly", None, utc(2026, 12, 2, 5, 0), utc(2027, 1, 1, 0, 0)),
        # 23:30 UTC on Nov 30 is already Dec 1 07:30 in Shanghai.
        ("monthly", None, utc(2026, 11, 30, 23, 30), utc(2026, 12, 1, 0, 0)),
    ],
)
def test_next_send(frequency, weekday, after, expected):
    assert next_send(frequency, 8, weekday, SHANGHAI, after) == expected


def test_periods_covered_and_compared():
    assert covered_days("daily", date(2026, 12, 1)) == (date(2026, 11, 30), date(2026, 11, 30))
    assert compared_days("daily", date(2026, 11, 30), date(2026, 11, 30)) == (
        date(2026, 11, 29),
        date(2026, 11, 29),
    )
    assert covered_days("weekly", date(2026, 11, 30)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert compared_days("weekly", date(2026, 11, 23), date(2026, 11, 29)) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    # The month before March is all of February, compared with all of January.
    assert covered_days("monthly", date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert compared_days("monthly", date(2026, 2, 1), date(2026, 2, 28)) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
    )


def test_an_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="hourly"):
        next_send("hourly", 8, None, SHANGHAI, utc(2026, 1, 1))
