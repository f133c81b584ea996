"""Calendar dates read from order exports: ISO, year-first with slashes, US month/day/year.

Only the date part is kept: a time of day (and any UTC offset) is checked for being a
valid time and then dropped, so an order's day is the day written in the file. Which
forms are accepted is fixed, never guessed from the data, so the same text always gives
the same date; ``docs/rfm.md`` lists them. Vectorised (polars), since exports hold
hundreds of thousands of lines."""

from __future__ import annotations

import polars as pl

_TIME = (
    r"(?:(?:T|\s+)(?<h>[0-9]{1,2}):(?<mi>[0-9]{2})(?::(?<sec>[0-9]{2})(?:\.[0-9]+)?)?"
    r"(?:\s*(?<ampm>[AaPp][Mm]))?(?:\s*(?:Z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?))?)?"
)
_Y, _M, _D = r"(?<y>[0-9]{4})", r"(?<m>[0-9]{1,2})", r"(?<d>[0-9]{1,2})"
# Slash dates with the year last are month/day/year (the Online Retail export writes
# ``12/1/2010 8:26``, Excel ``12/1/10 8:26``); a day above 12 in first place is therefore
# refused, not swapped. A two-digit year there is 20YY (orders are from this century).
_PATTERNS = tuple(
    f"^{date}{_TIME}$"
    for date in (
        f"{_Y}-{_M}-{_D}",
        f"{_Y}/{_M}/{_D}",
        f"{_M}/{_D}/(?<y>[0-9]{{4}}|[0-9]{{2}})",
        f"{_Y}年{_M}月{_D}日",
    )
)
DATE_FORMS = "2011-12-09, 2011-12-09 12:50:00, 2011/12/9, 12/9/2011 12:50 or 2011年12月9日"


def order_dates(texts: pl.Series) -> pl.Series:
    """Each text's calendar date (surrounding spaces ignored), or null where the text is
    not one of the accepted forms, not a day on the calendar or has an impossible time."""
    stripped = pl.col("text").str.strip_chars()
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String}).select(
        *(stripped.str.extract_groups(p).alias(f"form{i}") for i, p in enumerate(_PATTERNS))
    )

    def part(name: str) -> pl.Expr:
        return pl.coalesce([pl.col(form).struct.field(name) for form in frame.columns])

    year = part("y")
    year = pl.when(year.str.len_chars() == 2).then(pl.lit("20") + year).otherwise(year)
    day = pl.concat_str(
        year, pl.lit("-"), part("m").str.zfill(2), pl.lit("-"), part("d").str.zfill(2)
    ).str.to_date("%Y-%m-%d", strict=False)
    hour, minute = part("h").cast(pl.Int32), part("mi").cast(pl.Int32)
    second = part("sec").cast(pl.Int32).fill_null(0)
    hour_ok = pl.when(part("ampm").is_null()).then(hour < 24).otherwise(hour.is_between(1, 12))
    time_ok = hour.is_null() | (hour_ok & (minute < 60) & (second < 60))
    return frame.select(pl.when(time_ok).then(day).alias(texts.name)).to_series()
