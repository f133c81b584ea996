"""Customers, orders, shipments and coupons through the REST API: idempotent bulk
upserts, masking of contact details (isolation: test_tenant_isolation.py)."""

from __future__ import annotations

import pytest

CUSTOMERS = {
    "items": [
        {
            "external_id": "C-8801",
            "name": "张伟",
            "nickname": "小张爱购物",
            "phone": "13812345678",
            "email": "zhangwei@example.com",
            "tags": ["VIP", "老客户"],
            "identities": [{"channel": "taobao", "handle": "zhangwei_tb"}],
        },
        {"external_id": "C-8802", "name": "李娜", "phone": "13998765432"},
    ]
}

ORDERS = {
    "items": [
        {
            "external_id": "E20260301001",
            "customer_external_id": "C-8801",
            "status": "paid",
            "placed_at": "2026-03-01T10:15:00+08:00",
            "paid_at": "2026-03-01T10:16:30+08:00",
            "address": {
                "name": "张伟",
                "phone": "13812345678",
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "line": "文三路 90 号 3 栋 502",
                "postcode": "310012",
                "country": "中国",
            },
            "note": "请周末送货",
            "lines": [
                {
                    "sku": "TS-WHT-M",
                    "title": "纯棉短袖T恤 白色 M",
                    "quantity": 2,
                    "unit_price_cents": 7900,
                },
                {
                    "sku": "SERUM-30",
                    "title": "保湿精华液 30ml",
                    "quantity": 1,
                    "unit_price_cents": 15900,
                },
            ],
        },
        {
            "external_id": "E20260302002",
            "status": "pending_payment",
            "placed_at": "2026-03-02T09:00:00+08:00",
            "lines": [
                {"sku": "EAR-01", "title": "蓝牙耳机", "quantity": 1, "unit_price_cents": 19900}
            ],
        },
    ]
}

SHIPMENTS = {
    "items": [
        {
            "external_id": "SF-1",
            "order_external_id": "E20260301001",
            "carrier": "顺丰速运",
            "tracking_no": "SF1234567890",
            "status": "in_transit",
            "shipped_at": "2026-03-02T08:00:00+08:00",
            "events": [
                {
                    "at": "2026-03-02T08:00:00+08:00",
                    "status": "pending",
                    "location": "杭州",
                    "description": "快件已揽收",
                },
                {
                    "at": "2026-03-02T20:00:00+08:00",
                    "status": "in_transit",
                    "location": "杭州转运中心",
                    "description": "快件已发往上海",
                },
            ],
        }
    ]
}


@pytest.fixture
async def acme_data(client, owen):
    api = client.as_(owen)
    for path, body in (
        ("customers", CUSTOMERS),
        ("orders", ORDERS),
        ("shipments", SHIPMENTS),
    ):
        response = await api.post(f"/api/v1/{path}/bulk", json=body)
        assert response.status_code == 200, response.text
    return api


async def test_resending_every_batch_changes_nothing(client, owen, acme_data):
    for path, body in (("customers", CUSTOMERS), ("orders", ORDERS), ("shipments", SHIPMENTS)):
        again = (await acme_data.post(f"/api/v1/{path}/bulk", json=body)).json()
        assert (again["created"], again["updated"]) == (0, 0), path
        assert again["unchanged"] == len(body["items"])
    audit_count = await _audit_count(client, owen)
    await acme_data.post("/api/v1/orders/bulk", json=ORDERS)
    assert await _audit_count(client, owen) == audit_count


async def _audit_count(client, owen) -> int:
    from sqlalchemy import func, select

    from kefu.models import AuditEntry

    async with client._transport.app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry))


async def test_order_total_is_the_sum_of_its_lines_and_lines_are_replaced(acme_data):
    orders = (await acme_data.get("/api/v1/orders")).json()["items"]
    assert [o["external_id"] for o in orders] == ["E20260302002", "E20260301001"]  # newest first
    first = orders[1]
    assert first["total_cents"] == 2 * 7900 + 15900
    assert [line["line_no"] for line in first["lines"]] == [1, 2]
    changed = {"items": [{**ORDERS["items"][0], "lines": ORDERS["items"][0]["lines"][:1]}]}
    result = (await acme_data.post("/api/v1/orders/bulk", json=changed)).json()
    assert (result["created"], result["updated"]) == (0, 1)
    detail = (await acme_data.get(f"/api/v1/orders/{first['id']}")).json()
    assert [line["sku"] for line in detail["lines"]] == ["TS-WHT-M"]
    assert detail["total_cents"] == 15800


async def test_order_detail_has_customer_and_tracking_timeline(acme_data):
    orders = (await acme_data.get("/api/v1/orders", params={"q": "0301"})).json()["items"]
    detail = (await acme_data.get(f"/api/v1/orders/{orders[0]['id']}")).json()
    assert detail["customer"]["name"] == "张伟"
    assert detail["customer"]["identities"] == [{"channel": "taobao", "handle": "zhangwei_tb"}]
    [shipment] = detail["shipments"]
    assert shipment["carrier"] == "顺丰速运"
    assert [e["description"] for e in shipment["events"]] == ["快件已揽收", "快件已发往上海"]


async def test_tracking_events_are_merged_not_replaced(acme_data):
    update = {
        "items": [
            {
                **SHIPMENTS["items"][0],
                "status": "delivered",
                "events": [
                    {
                        "at": "2026-03-03T15:30:00+08:00",
                        "status": "delivered",
                        "location": "上海",
                        "description": "已签收，签收人：本人",
                    }
                ],
            }
        ]
    }
    result = (await acme_data.post("/api/v1/shipments/bulk", json=update)).json()
    assert result["updated"] == 1
    shipment = (await acme_data.get(f"/api/v1/shipments/{result['ids'][0]}")).json()
    assert [e["status"] for e in shipment["events"]] == ["pending", "in_transit", "delivered"]


async def test_unknown_reference_names_field_and_value(acme_data):
    bad = {"items": [{**ORDERS["items"][0], "customer_external_id": "C-404"}]}
    response = await acme_data.post("/api/v1/orders/bulk", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "customer_external_id"
    assert "C-404" in error["message"]
    bad = {"items": [{**SHIPMENTS["items"][0], "order_external_id": "E-404"}]}
    error = (await acme_data.post("/api/v1/shipments/bulk", json=bad)).json()["error"]
    assert (error["field"], "E-404" in error["message"]) == ("order_external_id", True)


async def test_agent_sees_masked_contact_details_supervisor_sees_them(
    client, acme_data, alice, carol
):
    for persona, phone, email in (
        (alice, "138****5678", "z***@example.com"),
        (carol, "13812345678", "zhangwei@example.com"),
    ):
        api = client.as_(persona)
        customers = (await api.get("/api/v1/customers", params={"tag": "老客户"})).json()
        [customer] = customers["items"]
        assert (customer["phone"], customer["email"]) == (phone, email)
        one = (await api.get(f"/api/v1/customers/{customer['id']}")).json()
        assert (one["phone"], one["email"]) == (phone, email)
        order = (await api.get("/api/v1/orders", params={"status": "paid"})).json()["items"][0]
        assert order["address"]["phone"] == phone
        detail = (await api.get(f"/api/v1/orders/{order['id']}")).json()
        assert (detail["address"]["phone"], detail["customer"]["phone"]) == (phone, phone)
    # Masking happened on read only: the stored number is intact for the supervisor.
    assert (await client.as_(carol).get("/api/v1/customers")).json()["items"][0]["phone"] == (
        "13812345678"
    )


async def test_coupons_upsert_by_code(client, owen, acme_data):
    coupons = {
        "items": [
            {"code": "SPRING20", "kind": "percent", "value": 20, "min_spend_cents": 10000},
            {"code": "VIP50", "kind": "amount", "value": 5000, "customer_external_id": "C-8801"},
        ]
    }
    first = (await acme_data.post("/api/v1/coupons/bulk", json=coupons)).json()
    assert first["created"] == 2
    again = (await acme_data.post("/api/v1/coupons/bulk", json=coupons)).json()
    assert again["unchanged"] == 2
    listing = (await acme_data.get("/api/v1/coupons", params={"code": "vip"})).json()
    assert [c["code"] for c in listing["items"]] == ["VIP50"]


async def test_agent_may_not_write_orders(client, alice):
    response = await client.as_(alice).post("/api/v1/orders/bulk", json=ORDERS)
    assert response.status_code == 403


async def test_orders_pages_walk_newest_first_and_filter_by_time(client, owen):
    items = [
        {
            "external_id": f"E202603{day:02}",
            "status": "paid",
            "placed_at": f"2026-03-{day:02}T09:00:00+08:00",
            "lines": [
                {
                    "sku": "TEA-01",
                    "title": "西湖龙井 250g",
                    "quantity": 1,
                    "unit_price_cents": 26800,
                }
            ],
        }
        for day in (3, 1, 5, 2, 4)
    ]
    api = client.as_(owen)
    await api.post("/api/v1/orders/bulk", json={"items": items})
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/v1/orders", params=params)).json()
        seen += [o["external_id"] for o in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == ["E20260305", "E20260304", "E20260303", "E20260302", "E20260301"]
    window = {"placed_from": "2026-03-02T00:00:00+08:00", "placed_to": "2026-03-04T00:00:00+08:00"}
    listed = (await api.get("/api/v1/orders", params=window)).json()["items"]
    assert [o["external_id"] for o in listed] == ["E20260303", "E20260302"]


async def test_a_shipment_announced_before_its_first_tracking_event(acme_data):
    """A shop registers the parcel when it hands it over, before the carrier scans it."""
    announced = {"items": [{**SHIPMENTS["items"][0], "external_id": "S-NEW", "events": []}]}
    response = await acme_data.post("/api/v1/shipments/bulk", json=announced)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    shipment = (await acme_data.get(f"/api/v1/shipments/{response.json()['ids'][0]}")).json()
    assert shipment["events"] == []
