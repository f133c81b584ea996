"""The demo shop's generated records: realistic, consistent with each other, repeatable."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from kefu.demo.records import generate
from kefu.demo.staff import AGENTS, holidays

DAY = date(2026, 11, 25)
MIDNIGHT_SHANGHAI = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_the_same_day_gives_the_same_shop():
    assert generate(DAY) == generate(DAY)


def test_catalog_has_size_charts_skin_types_and_warranties():
    products = generate(DAY).products
    by_category = Counter(p["category"] for p in products)
    assert by_category == {"服装": 24, "美妆": 18, "数码": 18}
    for p in products:
        wanted = {"服装": {"尺码表"}, "美妆": {"肤质", "规格"}, "数码": {"型号", "保修"}}
        assert wanted[p["category"]] <= set(p["attributes"]), p["title"]
    chart = next(p for p in products if p["category"] == "服装")["attributes"]["尺码表"]
    assert list(chart) == ["S", "M", "L", "XL"] and "身高" in chart["M"] and "体重" in chart["M"]


def test_orders_belong_to_known_customers_and_products_and_lie_in_the_past():
    records = generate(DAY)
    customers = {c["external_id"] for c in records.customers}
    products = {p["external_id"] for p in records.products}
    assert len(records.customers) == 200 and len(records.orders) == 1000
    handles = [(i["channel"], i["handle"]) for c in records.customers for i in c["identities"]]
    assert len(set(handles)) == len(handles), "an identity names one customer only"
    for order in records.orders:
        assert order["customer_external_id"] in customers
        assert 1 <= len(order["lines"]) <= 4
        assert {line["product_external_id"] for line in order["lines"]} <= products
        assert order["placed_at"] < MIDNIGHT_SHANGHAI
        if order["status"] == "pending_payment":
            assert order["paid_at"] is None
        elif order["status"] in ("paid", "shipped", "delivered", "completed"):
            assert order["placed_at"] < order["paid_at"] < MIDNIGHT_SHANGHAI
        assert {"province", "city", "district", "line"} <= set(order["address"])
    statuses = Counter(o["status"] for o in records.orders)
    assert statuses.most_common(1)[0][0] == "completed"
    assert set(statuses) == {
        "pending_payment",
        "paid",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
        "refunded",
    }


def test_parcels_travel_forwards_in_time_and_end_as_their_order_says():
    records = generate(DAY)
    orders = {o["external_id"]: o for o in records.orders}
    for shipment in records.shipments:
        order = orders[shipment["order_external_id"]]
        times = [e["at"] for e in shipment["events"]]
        assert times == sorted(set(times))
        assert order["paid_at"] <= times[0] and times[-1] < MIDNIGHT_SHANGHAI
        assert "已揽收" in shipment["events"][0]["description"]
        delivered = shipment["events"][-1]["status"] == "delivered"
        assert delivered == (order["status"] != "shipped")
        assert delivered == (shipment["delivered_at"] is not None)
    assert {s["carrier"] for s in records.shipments} == {
        "顺丰速运",
        "中通快递",
        "圆通速递",
        "韵达快递",
        "京东物流",
    }


def test_staff_covers_every_level_and_skill_and_national_day_is_a_holiday():
    assert {a.level for a in AGENTS} == {"junior", "intermediate", "senior"}
    assert {s for a in AGENTS for s in a.skills} == {"presale", "insale", "aftersale", "complaint"}
    national_day = [h for h in holidays(2026) if h["name"] == "国庆节"]
    assert [h["day"].day for h in national_day] == [1, 2, 3, 4, 5, 6, 7]
    assert national_day[0]["day"] == date(2026, 10, 1)


def test_one_parcel_of_the_first_shopper_stalls_at_a_hub():
    """The bot demo's stalled parcel: C00001's, shipped, no movement for five days."""
    records = generate(DAY)
    orders = {o["external_id"]: o for o in records.orders}
    stalled = [
        s
        for s in records.shipments
        if orders[s["order_external_id"]]["customer_external_id"] == "C00001"
        and s["status"] == "in_transit"
        and MIDNIGHT_SHANGHAI - s["events"][-1]["at"] >= timedelta(days=5)
    ]
    assert len(stalled) == 1
    assert orders[stalled[0]["order_external_id"]]["status"] == "shipped"
