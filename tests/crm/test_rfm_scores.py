"""The RFM computation itself (``kefu.crm.rfm``): quintile scores with ties, half-up
cents, segments. Lines are built directly, as shop-level RFM will build them."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest

from kefu.crm.rfm import LINE_SCHEMA, quintile_score, rfm_table
from kefu.crm.segments import SEGMENTS, segment_of


def lines(rows: list[tuple[str, str, date, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")


def scores(values: list[int]) -> list[int]:
    frame = pl.DataFrame({"v": values})
    return frame.select(quintile_score(pl.col("v"))).to_series().to_list()


def test_distinct_values_fall_into_exact_quintiles():
    assert scores([50, 10, 40, 20, 30]) == [5, 1, 4, 2, 3]
    assert scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_equal_values_share_the_middle_of_the_ranks_they_span():
    # six one-time buyers span ranks 1–6 of 10: mid-rank percentile (0 + 6/2) / 10 = 0.3 → 2
    frequencies = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9]
    assert scores(frequencies) == [2] * 6 + [4, 4, 5, 5]
    assert scores([7, 7, 7]) == [3, 3, 3]
    assert scores([4]) == [3]


def test_scores_do_not_depend_on_row_order():
    rng = random.Random(8)
    values = [rng.choice([1, 1, 1, 2, 2, 3, 5, 8]) for _ in range(200)]
    by_value = dict(zip(values, scores(values), strict=True))
    shuffled = values[:]
    rng.shuffle(shuffled)
    assert dict(zip(shuffled, scores(shuffled), strict=True)) == by_value
    assert sorted(by_value.values()) == [by_value[v] for v in sorted(by_value)]  # monotone


def test_monetary_is_rounded_half_up_once_per_customer_from_exact_amounts():
    day = date(2026, 3, 1)
    table = rfm_table(
        lines(
            [
                ("C1", "A", day, 1_000_005),  # 1.000005 at scale 6
                ("C1", "B", day, 5_000),  # 0.005
                ("C2", "C", day, 104_999),  # 0.104999
                ("C3", "D", day, 1),  # 0.000001
            ]
        ),
        scale=6,
    )
    assert table["monetary"].to_list() == [101, 10, 0]  # 1.01, 0.10, 0.00


def test_recency_counts_whole_days_and_defaults_to_the_day_after_the_last_order():
    rows = [
        ("C1", "A", date(2026, 3, 1), 100),
        ("C1", "B", date(2026, 3, 9), 100),
        ("C2", "C", date(2026, 2, 28), 100),
    ]
    table = rfm_table(lines(rows), scale=2)
    assert table.select("customer_id", "recency_days", "frequency").rows() == [
        ("C1", 1, 2),
        ("C2", 10, 1),
    ]
    later = rfm_table(lines(rows), scale=2, as_of=date(2026, 4, 1))
    assert later["recency_days"].to_list() == [23, 32]


def test_order_ids_count_once_however_many_lines_they_have():
    day = date(2026, 3, 1)
    rows = [("C1", "A", day, 100), ("C1", "A", day, 250), ("C1", "B", day, 1)]
    assert rfm_table(lines(rows), scale=2)["frequency"].to_list() == [2]


@pytest.mark.parametrize(
    ("r", "f", "m", "slug"),
    [
        (5, 5, 5, "core"),
        (3, 3, 3, "core"),
        (4, 1, 5, "potential"),
        (1, 5, 5, "sleeping"),
        (2, 2, 4, "at_risk"),
        (5, 4, 1, "loyal"),
        (5, 1, 2, "new"),
        (1, 4, 2, "fading"),
        (2, 2, 2, "lost"),
    ],
)
def test_segment_rule(r, f, m, slug):
    assert segment_of(r, f, m).slug == slug


def test_the_seeds_groups_are_segments():
    names = {segment.slug: segment.name_zh for segment in SEGMENTS.values()}
    assert names["core"] == "核心客户"
    assert names["potential"] == "潜力客户"
    assert names["sleeping"] == "沉睡客户"
    assert len(set(names)) == 8


def test_table_segments_agree_with_segment_of():
    rng = random.Random(7)
    rows = [
        (f"C{i:03}", f"O{i}-{k}", date(2026, 1, rng.randint(1, 31)), rng.randint(1, 99_999))
        for i in range(60)
        for k in range(rng.randint(1, 4))
    ]
    table = rfm_table(lines(rows), scale=2)
    for r, f, m, segment in table.select("r", "f", "m", "segment").iter_rows():
        assert segment == segment_of(r, f, m).slug
