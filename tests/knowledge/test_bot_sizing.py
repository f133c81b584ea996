"""Size advice from the product's 尺码表 and the shopper's height and weight, and the
return deadline of a delivered order when the shopper asks about returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.demo.catalog import SIZE_CHART
from kefu.knowledge.sizing import SizeRow, parse_chart, recommend
from tests.chat.conftest import Shopper, make_shopper
from tests.knowledge.conftest import say
from tests.knowledge.test_bot_orders import last_words, signed_shopper

TEE, DRESS, MUG = "P-TEE", "P-DRESS", "P-MUG"
# The dress's chart: rows with a 尺码 field, weights in 斤.
DRESS_CHART = [
    {"尺码": "S", "身高": "150~158cm", "体重": "80-95斤"},
    {"尺码": "M", "身高": "158~165cm", "体重": "95-110斤"},
    {"尺码": "L", "身高": "165~172cm", "体重": "110-125斤"},
]


def _product(external_id: str, title: str, attributes: dict) -> dict:
    return {
        "external_id": external_id,
        "sku": external_id,
        "title": title,
        "price_cents": 9900,
        "attributes": attributes,
    }


@pytest.fixture
async def catalogue(client, owen, closed_shop) -> None:
    products = [
        _product(TEE, "纯棉圆领短袖T恤", {"尺码表": SIZE_CHART, "面料": "100%棉"}),
        _product(DRESS, "碎花雪纺连衣裙", {"尺码表": DRESS_CHART}),
        _product(MUG, "陶瓷马克杯", {"容量": "350ml"}),
    ]
    response = await client.as_(owen).post("/api/v1/products/bulk", json={"items": products})
    assert response.status_code < 300, response.text


async def on_page(client, shopper: Shopper, product_id: str) -> None:
    viewed = await client.post(
        "/api/v1/widget/page-views",
        json={"page": f"https://shop.example/items/{product_id}", "product_id": product_id},
        headers=shopper.headers,
    )
    assert viewed.status_code == 200, viewed.text


async def test_the_bot_picks_the_size_from_the_chart_of_the_page_the_shopper_is_on(
    client, catalogue
):
    shopper = await make_shopper(client)
    await on_page(client, shopper, TEE)
    await say(client, shopper, "我178cm 70kg 穿什么码")
    advice = await last_words(client, shopper)
    assert advice["body"].startswith(
        "按「纯棉圆领短袖T恤」的尺码表，身高178cm、体重70kg建议选 XL 码"
    )
    assert "身高175-182cm，体重70-80kg" in advice["body"]  # the chart's own line
    assert advice["payload"]["bot"]["size"] == "XL"
    # On the dress's page, in 斤, on the edge of two sizes: the larger, the smaller offered.
    await on_page(client, shopper, DRESS)
    await say(client, shopper, "我165cm 110斤穿什么码")
    dress = await last_words(client, shopper)
    assert "建议选 L 码" in dress["body"] and "也可以选 M 码" in dress["body"]


async def test_without_a_product_to_go_by_the_bot_asks_which_one(client, catalogue):
    shopper = await make_shopper(client)  # two different charts in the shop, no page
    await say(client, shopper, "我160cm 50kg 穿什么码")
    asked = await last_words(client, shopper)
    assert "哪件商品" in asked["body"] and asked["payload"]["bot"] == {"ask_size": True}
    await on_page(client, shopper, MUG)  # no chart there either
    await say(client, shopper, "身高160 体重50kg 选哪个码")
    assert (await last_words(client, shopper))["payload"]["bot"]["handoff"] == "unanswered"


def test_the_chart_reader_and_the_advice():
    rows = parse_chart(SIZE_CHART)
    assert [r.label for r in rows] == ["S", "M", "L", "XL"]
    assert rows[0] == SizeRow("S", (155, 160), (45, 52))
    assert parse_chart(DRESS_CHART)[1] == SizeRow("M", (158, 165), (47.5, 55))
    assert parse_chart({"S": "胸围88cm"}) == []  # nothing a height or weight maps to
    assert recommend(rows, 165, 55).size == "M"
    mixed = recommend(rows, 170, 78)  # L by height, XL by weight: the larger
    assert (mixed.size, mixed.mixed) == ("XL", True)
    beyond = recommend(rows, 190, 95)
    assert (beyond.size, beyond.outside) == ("XL", True)
    assert recommend(rows, None, 65).size == "L"


async def test_asking_about_returns_tells_the_days_left_for_the_delivered_order(
    client, sessionmaker, owen, closed_shop
):
    now = datetime.now(UTC)
    api = client.as_(owen)
    customer = {"external_id": "C-9901", "name": "王芳", "phone": "13700001111"}
    await api.post("/api/v1/customers/bulk", json={"items": [customer]})

    async def deliver(number: str, ago: timedelta) -> None:
        order = {
            "external_id": number,
            "customer_external_id": "C-9901",
            "status": "delivered",
            "placed_at": (now - ago - timedelta(days=3)).isoformat(),
            "lines": [{"sku": "T", "title": "T恤", "quantity": 1, "unit_price_cents": 7900}],
        }
        parcel = {
            "external_id": f"P-{number}",
            "order_external_id": number,
            "carrier": "顺丰速运",
            "tracking_no": f"SF{number}",
            "status": "delivered",
            "shipped_at": (now - ago - timedelta(days=2)).isoformat(),
            "delivered_at": (now - ago).isoformat(),
        }
        assert (await api.post("/api/v1/orders/bulk", json={"items": [order]})).status_code < 300
        done = await api.post("/api/v1/shipments/bulk", json={"items": [parcel]})
        assert done.status_code < 300, done.text

    await deliver("E9901001", timedelta(days=10))
    fang = await signed_shopper(client, sessionmaker, owen.shop_id, "C-9901")
    await say(client, fang, "你好，怎么退货呀")
    late = await last_words(client, fang)
    assert late["body"].startswith("亲爱的")  # the FAQ's answer, then her own order's line
    assert "E9901001" in late["body"] and "已超过7天的退货期" in late["body"]
    await deliver("E9901002", timedelta(days=2, hours=1))  # the newest delivery counts
    await say(client, fang, "还能退货吗")
    fresh = await last_words(client, fang)
    assert "您的订单 E9901002" in fresh["body"] and "还剩5天可申请退货" in fresh["body"]
    assert fresh["payload"]["bot"]["return_deadline"] is True
    # An anonymous visitor hears the general answer only.
    visitor = await make_shopper(client)
    await say(client, visitor, "怎么退货")
    assert "还剩" not in (await last_words(client, visitor))["body"]


async def test_an_english_shops_bot_advises_sizes_in_english(client, owen, catalogue):
    assert (await client.as_(owen).patch("/api/v1/shop", json={"locale": "en"})).status_code == 200
    shopper = await make_shopper(client)
    await on_page(client, shopper, TEE)
    await say(client, shopper, "我178cm 70kg 穿什么码")
    advice = (await last_words(client, shopper))["body"]
    assert advice.startswith(
        "By the size chart of “纯棉圆领短袖T恤”, for height 178cm and weight 70kg "
        "we suggest size XL ("
    )
    await say(client, shopper, "我178cm穿什么码")
    assert (await last_words(client, shopper))["body"].endswith(
        "Tell me your weight as well and I can suggest a size more precisely."
    )
