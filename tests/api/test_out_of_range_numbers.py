"""Numbers no database column can hold, in filters, cursors and bulk rows: a 422 naming
the field, never a server error (SQLite and PostgreSQL both fail on such numbers)."""

from __future__ import annotations

import base64

import pytest

HUGE = 2**70
PLACED = "2026-03-01T10:15:00+08:00"


def _cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/orders", {"customer_id": HUGE}, "customer_id"),
        ("/api/v1/shipments", {"order_id": HUGE}, "order_id"),
        ("/api/v1/coupons", {"customer_id": -HUGE}, "customer_id"),
        ("/api/v1/products", {"cursor": _cursor(HUGE)}, "cursor"),
        ("/api/v1/orders", {"cursor": _cursor(HUGE)}, "cursor"),
        ("/api/v1/audit", {"cursor": _cursor(-HUGE)}, "cursor"),
    ],
)
async def test_an_impossible_id_in_a_filter_or_cursor_is_a_422(client, owen, path, params, field):
    response = await client.as_(owen).get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def _line(quantity: int, unit_price_cents: int) -> dict[str, object]:
    return {"sku": "TEA-01", "title": "西湖龙井 250g", "quantity": quantity} | {
        "unit_price_cents": unit_price_cents
    }


@pytest.mark.parametrize(
    ("path", "item", "field"),
    [
        (
            "products",
            {"external_id": "P-1", "title": "保温杯", "price_cents": HUGE},
            "items.0.price_cents",
        ),
        (
            "products",
            {"external_id": "P-1", "title": "保温杯", "price_cents": 100, "stock": 2**40},
            "items.0.stock",
        ),
        ("coupons", {"code": "BIG", "kind": "percent", "value": 2**40}, "items.0.value"),
        (
            "orders",
            {"external_id": "E1", "placed_at": PLACED, "lines": [_line(2**40, 100)]},
            "items.0.lines.0.quantity",
        ),
        (
            "orders",
            {"external_id": "E1", "placed_at": PLACED, "lines": [_line(2**30, 2**40)]},
            "items.0.lines.0.amount_cents",
        ),
        (
            "orders",
            {"external_id": "E1", "placed_at": PLACED, "lines": [_line(1, 2**62)] * 2},
            "items.0.total_cents",
        ),
    ],
)
async def test_a_number_too_large_to_store_is_a_422(client, owen, path, item, field):
    response = await client.as_(owen).post(f"/api/v1/{path}/bulk", json={"items": [item]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert (await client.as_(owen).get(f"/api/v1/{path}")).json()["items"] == []
