"""A small shop's customers and orders, worked by hand in the tests and docs/crm.md: the
same purchases as the ``kefu rfm`` example of docs/rfm.md, as orders of shop acme."""

from __future__ import annotations

from typing import Any

import httpx

CUSTOMERS = [
    {"external_id": "C-WF", "name": "王芳", "nickname": "芳芳", "tags": ["老客"]},
    {"external_id": "C-LL", "name": "李雷", "nickname": "雷哥", "tags": ["老客", "会员"]},
    {"external_id": "C-HMM", "name": "韩梅梅", "nickname": "梅子"},
    {"external_id": "C-ZM", "name": "赵敏", "nickname": "敏敏", "tags": ["会员"]},
    {"external_id": "C-QDD", "name": "钱多多", "nickname": "多多"},
]


def _order(
    number: str, customer: str, at: str, lines: list[tuple[int, int]], status: str = "completed"
) -> dict[str, Any]:
    return {
        "external_id": number,
        "customer_external_id": customer,
        "status": status,
        "placed_at": at,
        "lines": [
            {"sku": f"SKU-{i}", "title": "精品挂耳咖啡", "quantity": q, "unit_price_cents": p}
            for i, (q, p) in enumerate(lines, 1)
        ],
    }


ORDERS = [
    _order("E1001", "C-WF", "2026-03-01T10:15:00+08:00", [(2, 7990), (1, 15900)]),
    _order("E1007", "C-WF", "2026-03-20T21:40:00+08:00", [(1, 1)]),
    _order("E1002", "C-LL", "2026-03-02T08:26:00+08:00", [(3, 1999)]),
    _order("E1003", "C-LL", "2026-03-15T12:00:00+08:00", [(1, 19999)], "paid"),
    _order("E1005", "C-HMM", "2026-03-18T09:00:00+08:00", [(1, 29900)], "delivered"),
    _order("C1005", "C-HMM", "2026-03-19T10:00:00+08:00", [(1, 29900)], "refunded"),
    _order("E1006", "C-ZM", "2026-03-10T09:00:00+08:00", [(5, 1250)], "shipped"),
    _order("E1009", "C-ZM", "2026-03-10T23:59:00+08:00", [(1, 3750)]),
    _order("E1010", "C-ZM", "2026-03-25T10:00:00+08:00", [(1, 9900)]),  # after 21 March
    _order("E1008", "C-QDD", "2026-03-21T09:00:00+08:00", [(1, 1500)], "cancelled"),
    _order("E1011", "C-QDD", "2026-03-21T09:30:00+08:00", [(1, 1500)], "pending_payment"),
]


async def seed_shop(api: httpx.AsyncClient) -> dict[str, int]:
    """The customers and orders through the API; returns customer ids by name."""
    response = await api.post("/api/v1/customers/bulk", json={"items": CUSTOMERS})
    assert response.status_code == 200, response.text
    response = await api.post("/api/v1/orders/bulk", json={"items": ORDERS})
    assert response.status_code == 200, response.text
    listed = (await api.get("/api/v1/customers")).json()["items"]
    return {c["name"]: c["id"] for c in listed}
