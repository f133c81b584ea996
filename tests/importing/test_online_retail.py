"""The first 20,000 lines of the UCI Online Retail file, imported as the README says.

The skip counts are checked against an independent count with the csv module."""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal
from itertools import islice

import pytest

from kefu.bench.import_file import MAPPING, dataset
from kefu.errors import NotFound

LINES = 20_000


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory):
    try:
        source = dataset()
    except NotFound:
        pytest.skip("UCI Online Retail file not found (set KEFU_SHARED_DIR to ../shared)")
    path = tmp_path_factory.mktemp("uci") / "online_retail_20k.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8") as src, gzip.open(path, "wt") as out:
        out.writelines(islice(src, LINES + 1))
    return path


def expected_skips(path) -> dict[str, int]:
    skips = {"missing title": 0, "price is 0 (free or adjustment line)": 0}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if not row["Description"]:
                skips["missing title"] += 1
            elif Decimal(row["UnitPrice"]) == 0:
                skips["price is 0 (free or adjustment line)"] += 1
    return skips


async def test_first_lines_of_online_retail_import_with_counted_skips(
    importer, online_retail, counts
):
    result, problems = await importer("orders", online_retail, MAPPING, timezone="Europe/London")
    assert result.lines_read == LINES
    assert result.skipped == expected_skips(online_retail)
    assert result.lines_imported + result.lines_skipped == LINES
    assert problems.height == result.lines_skipped
    stored = await counts()
    assert stored["order_lines"] == result.lines_imported
    assert stored["orders"] == result.created
    assert stored["customers"] == result.customers_created > 500
    again, _ = await importer("orders", online_retail, MAPPING, timezone="Europe/London")
    assert (again.created, again.updated, again.unchanged) == (0, 0, result.created)
