"""RFM: recency, frequency and monetary value per customer, scored 1–5 and segmented.

Pure computation on a polars frame of order lines, so the same code serves ``kefu rfm``
on a file and, later, a shop's orders from the database. Money stays exact: amounts are
integers in units of ``10**-scale`` (cents for ``scale=2``) and only the per-customer sum
is rounded, half up, to cents. The choices (scoring with ties, the segment rule) are
explained in ``docs/rfm.md``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

# Input: one row per order line (several lines may share an order_id).
LINE_SCHEMA = {
    "customer_id": pl.String,
    "order_id": pl.String,
    "order_date": pl.Date,
    "amount": pl.Int128,
}
COLUMNS = ("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")
HIGH_SCORE = 3  # a score of 3, 4 or 5 counts as high when choosing the segment


@dataclass(frozen=True, slots=True)
class Segment:
    slug: str  # what the ``segment`` column holds
    name_zh: str
    textbook: str  # the classic eight-group RFM name (重要价值客户 …)
    strategy: str
    strategy_zh: str


# Keyed by (R high, F high, M high).
SEGMENTS: dict[tuple[bool, bool, bool], Segment] = {
    (True, True, True): Segment(
        "core",
        "核心客户",
        "重要价值客户",
        "exclusive perks and personal care (birthday card, VIP)",
        "专属权益+情感关怀：VIP 服务、生日手写贺卡与专属折扣、新品优先体验",
    ),
    (True, False, True): Segment(
        "potential",
        "潜力客户",
        "重要发展客户",
        "content and needs discovery to win repeat orders",
        "深度内容+需求挖掘：推送所购商品的使用攻略与搭配，建立专业信任，促成复购",
    ),
    (False, True, True): Segment(
        "sleeping",
        "沉睡客户",
        "重要保持客户",
        "personalised recall based on past purchases",
        "个性化召回+场景唤醒：结合历史购买推送相关商品，由熟悉的客服发专属问候",
    ),
    (False, False, True): Segment(
        "at_risk",
        "重要挽留客户",
        "重要挽留客户",
        "a personal win-back offer before they are lost",
        "流失前的专属挽回：询问不满之处（价格、商品、服务），改进并给一张有分量的券",
    ),
    (True, True, False): Segment(
        "loyal",
        "忠诚客户",
        "一般价值客户",
        "bundles and upgrades to raise the basket",
        "提升客单价：组合套餐、升级款、满额包邮与会员积分",
    ),
    (True, False, False): Segment(
        "new",
        "新客户",
        "一般发展客户",
        "welcome, usage tips and a second-order incentive",
        "欢迎与上手：收货后发使用小贴士、二次购买优惠、邀请关注店铺",
    ),
    (False, True, False): Segment(
        "fading",
        "待唤醒客户",
        "一般保持客户",
        "a light reminder with a small coupon",
        "轻量提醒：补货提醒加一张小额券，控制成本",
    ),
    (False, False, False): Segment(
        "lost",
        "流失客户",
        "一般挽留客户",
        "low-cost mass campaigns only, or none",
        "只做低成本的大促群发，或不打扰；严格遵守频次上限",
    ),
}


def segment_of(r: int, f: int, m: int) -> Segment:
    """The segment for three scores: each is high when it is ``HIGH_SCORE`` or more."""
    return SEGMENTS[(r >= HIGH_SCORE, f >= HIGH_SCORE, m >= HIGH_SCORE)]


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


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A shop's own cut points instead of quintiles, per measure (None: quintiles).

    Four values each, where scores 2, 3, 4 and 5 begin: recency in days, largest first
    (a customer whose last order is at most that many days ago reaches the score);
    frequency in orders and monetary in cents, smallest first (at least that much)."""

    recency_days: Sequence[int] | None = None
    frequency: Sequence[int] | None = None
    monetary_cents: Sequence[int] | None = None


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
