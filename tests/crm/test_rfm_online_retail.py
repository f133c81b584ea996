"""``kefu rfm`` on the whole UCI Online Retail file, checked against an independent
computation with the csv module, Decimal and datetime (no polars), line by line."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from kefu.bench.import_file import dataset
from kefu.bench.rfm import MAPPING
from kefu.errors import NotFound
from tests.crm.conftest import rfm

MAP = [f"{ours}={theirs}" for ours, theirs in MAPPING.items()]


@pytest.fixture(scope="module")
def online_retail():
    try:
        return dataset()
    except NotFound:
        pytest.skip("UCI Online Retail file not found (set KEFU_SHARED_DIR to ../shared)")


def independent(path) -> tuple[dict[str, tuple[int, int, str]], int, int]:
    """customer → (recency_days, frequency, monetary) and the two skip counts."""
    last: dict[str, date] = {}
    orders: dict[str, set[str]] = defaultdict(set)
    total: dict[str, Decimal] = defaultdict(Decimal)
    no_customer = not_positive = 0
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            customer = row["CustomerID"].strip()
            if not customer:
                no_customer += 1
                continue
            amount = Decimal(row["Quantity"]) * Decimal(row["UnitPrice"])
            if amount <= 0:
                not_positive += 1
                continue
            day = datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S").date()
            last[customer] = max(last.get(customer, day), day)
            orders[customer].add(row["InvoiceNo"].strip())
            total[customer] += amount
    as_of = max(last.values()) + timedelta(days=1)
    cents = Decimal("0.01")
    table = {
        c: ((as_of - last[c]).days, len(orders[c]), str(total[c].quantize(cents, ROUND_HALF_UP)))
        for c in last
    }
    return table, no_customer, not_positive


@pytest.mark.slow
def test_whole_file_matches_an_independent_computation(online_retail):
    result = rfm(online_retail, "--map", *MAP)
    assert result.code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected, no_customer, not_positive = independent(online_retail)
    assert len(rows) == len(expected) == 4338  # as the data set's README says
    ours = {
        r["customer_id"]: (int(r["recency_days"]), int(r["frequency"]), r["monetary"]) for r in rows
    }
    assert ours == expected
    assert f"541909 lines read, {no_customer + not_positive} skipped" in result.stderr
    assert (
        f"{no_customer} with an empty customer_id, {not_positive} with an amount" in result.stderr
    )
    assert "as of 2011-12-10" in result.stderr
    assert [r["customer_id"] for r in rows] == sorted(expected)
    for name in ("r", "m"):  # few ties: near-equal fifths
        sizes = Counter(r[name] for r in rows)
        assert sorted(sizes) == ["1", "2", "3", "4", "5"]
        assert all(abs(n - len(rows) / 5) <= 15 for n in sizes.values()), sizes
    # frequency: 1,493 one-time buyers tie, so the scores are 1, 3, 4, 5 and never fall
    # as frequency rises
    by_frequency = sorted((int(r["frequency"]), int(r["f"])) for r in rows)
    assert [f for _, f in by_frequency] == sorted(f for _, f in by_frequency)
    assert Counter(r["f"] for r in rows)["1"] == sum(1 for r in rows if r["frequency"] == "1")
