"""Display helpers: money from integer cents, stored UTC times in the shop's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kefu.web.pages.rendering import local_time, money


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (0, "CNY", "¥0.00"),
        (7900, "CNY", "¥79.00"),
        (123456789, "CNY", "¥1,234,567.89"),
        (-1050, "CNY", "-¥10.50"),
        (1999, "USD", "USD 19.99"),
        (None, "CNY", "—"),
    ],
)
def test_money_is_exact_from_cents(cents, currency, shown):
    assert money(cents, currency) == shown


def test_times_are_shown_in_the_shops_zone():
    at = datetime(2026, 11, 1, 16, 30, tzinfo=UTC)
    assert local_time(at, "Asia/Shanghai") == "2026-11-02 00:30"
    assert local_time(at, "Europe/London") == "2026-11-01 16:30"
    assert local_time(at, "Not/AZone") == "2026-11-02 00:30"  # falls back to Shanghai
    assert local_time(date(2026, 10, 1), "Asia/Shanghai") == "2026-10-01"
    assert local_time(None, "Asia/Shanghai") == "—"
