"""Calendar dates read from order exports: ISO, year-first with slashes, US month/day/year.

Only the date part is kept: a time of day (and any UTC offset) is checked for being a
valid time and then dropped, so an order's day is the day written in the file. Which
forms are accepted is fixed, never guessed from the data, so the same text always gives
the same date; ``docs/rfm.md`` lists them."""

from __future__ import annotations

import re
from datetime import date

_TIME = r"(?:(?:T|\s+)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?" + (
    r"(?:\s*(?P<ampm>[AaPp][Mm]))?(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?)?"
)
_YEAR_FIRST = re.compile(r"(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME)
_MONTH_FIRST = re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})" + _TIME)
_CHINESE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日" + _TIME)

DATE_FORMS = "2011-12-09, 2011-12-09 12:50:00, 2011/12/9, 12/9/2011 12:50 or 2011年12月9日"


def order_date(text: str) -> date:
    """The calendar date in ``text``; ``ValueError`` naming the accepted forms otherwise.

    Slash dates with the year last are month/day/year (the Online Retail export writes
    ``12/1/2010 8:26``); a day above 12 in first place is therefore refused, not swapped."""
    cleaned = text.strip()
    for pattern in (_YEAR_FIRST, _MONTH_FIRST, _CHINESE):
        found = pattern.fullmatch(cleaned)
        if found:
            return _checked(found)
    raise ValueError(f"{text!r} is not a date (use {DATE_FORMS})")


def _checked(found: re.Match[str]) -> date:
    try:
        day = date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError:
        raise ValueError(f"{found.string!r} is not a date on the calendar") from None
    if found["h"] is not None and not _valid_time(found):
        raise ValueError(f"{found.string!r} has an impossible time of day")
    return day


def _valid_time(found: re.Match[str]) -> bool:
    hour, minute, second = int(found["h"]), int(found["mi"]), int(found["s"] or 0)
    hours = range(1, 13) if found["ampm"] else range(24)
    return hour in hours and minute < 60 and second < 60
