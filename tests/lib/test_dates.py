"""Order dates as exports write them: the accepted forms and what is refused."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from kefu.lib.dates import order_dates


def parsed(text: str) -> date | None:
    return order_dates(pl.Series([text]))[0]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2011-12-09", date(2011, 12, 9)),
        ("2011-12-09 12:50:00", date(2011, 12, 9)),
        ("2011-12-09T23:59:59.123456", date(2011, 12, 9)),
        ("2011-12-09T23:30:00+08:00", date(2011, 12, 9)),  # the date as written, no shift
        ("2011-12-09 00:30Z", date(2011, 12, 9)),
        ("2011/12/9", date(2011, 12, 9)),
        ("2011/1/02 8:05", date(2011, 1, 2)),
        ("12/1/2010 8:26", date(2010, 12, 1)),  # Online Retail: month/day/year
        ("1/12/2011", date(2011, 1, 12)),
        ("12/1/10 8:26", date(2010, 12, 1)),  # Excel's short year: 20YY
        ("2011-12-09 12:50:00 UTC", date(2011, 12, 9)),
        ("2011-12-09 12:50:00 +0000", date(2011, 12, 9)),
        ("12/9/2011 12:50 PM", date(2011, 12, 9)),
        ("2011年12月9日", date(2011, 12, 9)),
        ("2011年12月9日 20:15", date(2011, 12, 9)),
        ("  2011-12-09  ", date(2011, 12, 9)),
        ("2012-02-29", date(2012, 2, 29)),
    ],
)
def test_accepted(text, day):
    assert parsed(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "13/1/2011",  # day first: refused rather than swapped
        "2011-02-29",
        "2011-13-01",
        "2011-12-09 24:00",
        "2011-12-09 13:00 PM",
        "2011-12-09 12:60",
        "2011-12/09",
        "11-12-09",
        "12/9/211",
        "09.12.2011",
        "20111209",
        "1323388800",
        "下周三",
        "",
    ],
)
def test_refused(text):
    assert parsed(text) is None
