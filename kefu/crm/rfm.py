"""RFM: recency, frequency and monetary value per customer, scored 1–5 and segmented.

Pure computation on a polars frame of order lines, so the same code serves ``kefu rfm``
on a file and, later, a shop's orders from the database. Money stays exact: amounts are
integers in units of ``10**-scale`` (cents for ``scale=2``) and only the per-customer sum
is rounded, half up, to cents. The choices (scoring with ties, the segment rule) are
explained in ``docs/rfm.md``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from kefu.crm.segments import HIGH_SCORE, SEGMENTS, Thresholds

# Input: one row per order line (several lines may share an order_id).
LINE_SCHEMA = {
    "customer_id": pl.String,
    "order_id": pl.String,
    "order_date": pl.Date,
    "amount": pl.Int128,
}
COLUMNS = ("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")


def quintile_score(value: pl.Expr) -> pl.Expr:
    """1–5 (5 for the largest values) from each value's mid-rank percentile.

    p = (customers below + half the customers equal) / customers, and the score is
    ⌊5·p⌋ + 1, computed in integers. Equal values always get the same score, whatever the
    order of the rows, and a value shared by many customers sits in the middle of the
    ranks it spans. Without ties this gives exact quintiles."""
    low = value.rank("min").cast(pl.Int64)
    high = value.rank("max").cast(pl.Int64)
    below, equal = low - 1, high - low + 1
    return ((5 * (2 * below + equal)) // (2 * pl.len()) + 1).cast(pl.Int8)


def threshold_score(value: pl.Expr, cuts: Sequence[int], *, smaller_is_better: bool) -> pl.Expr:
    """1 plus the number of cut points ``value`` reaches (at most, or at least, each)."""
    score = pl.lit(1, dtype=pl.Int8)
    for cut in cuts:
        reached = value <= cut if smaller_is_better else value >= cut
        score = score + reached.cast(pl.Int8)
    return score


def _scores(thresholds: Thresholds | None) -> dict[str, pl.Expr]:
    """The r, f and m expressions: the shop's thresholds where it set them, else quintiles."""
    given = thresholds or Thresholds()
    recency, frequency, monetary = pl.col("recency_days"), pl.col("frequency"), pl.col("monetary")
    return {
        "r": quintile_score(-recency)
        if given.recency_days is None
        else threshold_score(recency, given.recency_days, smaller_is_better=True),
        "f": quintile_score(frequency)
        if given.frequency is None
        else threshold_score(frequency, given.frequency, smaller_is_better=False),
        "m": quintile_score(monetary)
        if given.monetary_cents is None
        else threshold_score(monetary, given.monetary_cents, smaller_is_better=False),
    }


def cents_half_up(total: pl.Expr, scale: int) -> pl.Expr:
    """A positive amount in ``10**-scale`` units → cents, rounding half up."""
    if scale <= 2:
        return total * 10 ** (2 - scale)
    step = 10 ** (scale - 2)
    return (total + step // 2) // step


def default_as_of(lines: pl.DataFrame) -> date | None:
    """The day after the last order date, or None when there are no lines."""
    last = lines["order_date"].max()
    return last + timedelta(days=1) if isinstance(last, date) else None


def rfm_table(
    lines: pl.DataFrame,
    *,
    scale: int,
    as_of: date | None = None,
    thresholds: Thresholds | None = None,
) -> pl.DataFrame:
    """One row per customer: ``COLUMNS`` with ``monetary`` in cents (Int64).

    ``lines`` has ``LINE_SCHEMA``, every amount above 0; ``as_of`` defaults to
    ``default_as_of``; scores are quintiles unless a shop's ``thresholds`` say otherwise.
    Rows come sorted by customer_id as text (code point order), so the output
    never depends on the order of the input."""
    day = as_of or default_as_of(lines)
    per_customer = lines.group_by("customer_id").agg(
        last=pl.col("order_date").max(),
        frequency=pl.col("order_id").n_unique().cast(pl.Int64),
        total=pl.col("amount").sum(),
    )
    scored = per_customer.select(
        "customer_id",
        recency_days=(pl.lit(day, dtype=pl.Date) - pl.col("last")).dt.total_days().cast(pl.Int64),
        frequency="frequency",
        monetary=cents_half_up(pl.col("total"), scale).cast(pl.Int64),
    ).with_columns(**_scores(thresholds))
    return scored.with_columns(segment=_segment_expr()).sort("customer_id").select(COLUMNS)


def _segment_expr() -> pl.Expr:
    key = (
        (pl.col("r") >= HIGH_SCORE).cast(pl.Int8) * 4
        + (pl.col("f") >= HIGH_SCORE).cast(pl.Int8) * 2
        + (pl.col("m") >= HIGH_SCORE).cast(pl.Int8)
    )
    slugs = {4 * r + 2 * f + m: seg.slug for (r, f, m), seg in SEGMENTS.items()}
    return key.replace_strict(slugs, return_dtype=pl.String)


def monetary_text(cents: pl.Expr) -> pl.Expr:
    """Cents → ``"1234.50"`` (always two decimals, no thousands separators)."""
    return pl.concat_str(
        (cents // 100).cast(pl.String), pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2)
    )


def to_csv(table: pl.DataFrame) -> str:
    """The ``kefu rfm`` output: header ``COLUMNS``, monetary with two decimals."""
    return table.with_columns(monetary=monetary_text(pl.col("monetary"))).write_csv()
