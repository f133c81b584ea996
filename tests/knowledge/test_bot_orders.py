"""The bot answers 我的快递到哪了 from the shop's own orders and parcels: a shopper signed in
on the storefront hears about their own orders only, an anonymous visitor proves an order
with its number and the phone's last four digits, and a parcel that has not moved for the
shop's ``stall_days`` opens one logistics case, never two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu.lib.tokens import customer_signature
from kefu.models import Shop
from tests.chat.conftest import Shopper, make_shopper
from tests.knowledge.conftest import say, shopper_sees, staff_sees

ZHANG, LI = "C-7701", "C-7702"
MOVING, STUCK, LIS, UNPAID = "E3001001", "E3001002", "E3001003", "E3001004"
ZHANG_PHONE, LI_PHONE = "13812345678", "13998765432"


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def _order(number: str, customer: str, phone: str, status: str, days: float) -> dict[str, Any]:
    return {
        "external_id": number,
        "customer_external_id": customer,
        "status": status,
        "placed_at": _ago(days=days),
        "address": {"name": "收件人", "phone": phone, "city": "杭州市", "line": "文三路90号"},
        "lines": [
            {"sku": "TS-M", "title": "纯棉短袖T恤 M", "quantity": 1, "unit_price_cents": 7900}
        ],
    }


def _parcel(order: str, tracking: str, *events: tuple[float, str, str]) -> dict[str, Any]:
    """A parcel on its way; ``events`` are (days ago, city, description)."""
    return {
        "external_id": f"P-{order}",
        "order_external_id": order,
        "carrier": "中通快递",
        "tracking_no": tracking,
        "status": "in_transit",
        "shipped_at": _ago(days=events[0][0]),
        "events": [
            {"at": _ago(days=ago), "status": "in_transit", "location": city, "description": text}
            for ago, city, text in events
        ],
    }


@pytest.fixture
async def shop_orders(client, owen, closed_shop) -> None:
    """张伟's parcel moving (last scan 5 hours ago) and one stuck at a hub for 4 days,
    an unpaid order; 李娜's parcel."""
    api = client.as_(owen)
    customers = [
        {"external_id": ZHANG, "name": "张伟", "phone": ZHANG_PHONE},
        {"external_id": LI, "name": "李娜", "phone": LI_PHONE},
    ]
    orders = [
        _order(MOVING, ZHANG, ZHANG_PHONE, "shipped", 3),
        _order(STUCK, ZHANG, ZHANG_PHONE, "shipped", 9),
        _order(LIS, LI, LI_PHONE, "shipped", 2),
        _order(UNPAID, ZHANG, ZHANG_PHONE, "pending_payment", 20),
    ]
    parcels = [
        _parcel(
            MOVING,
            "ZTO7300000001",
            (2, "义乌", "快件已揽收"),
            (0.2, "杭州", "快件已到达【杭州转运中心】"),
        ),
        _parcel(
            STUCK,
            "ZTO7300000002",
            (8, "义乌", "快件已揽收"),
            (4, "郑州", "快件已到达【郑州转运中心】"),
        ),
        _parcel(LIS, "ZTO7300000003", (1, "义乌", "快件已揽收")),
    ]
    for path, items in (("customers", customers), ("orders", orders), ("shipments", parcels)):
        response = await api.post(f"/api/v1/{path}/bulk", json={"items": items})
        assert response.status_code < 300, response.text


async def signed_shopper(
    client, sessionmaker, shop_id: int, customer: str, slug: str = "acme"
) -> Shopper:
    """A visitor the storefront signed in as ``customer``, with an open conversation."""
    async with sessionmaker() as session:
        secret = (await session.get(Shop, shop_id)).widget_secret
    body = {"customer_id": customer, "customer_signature": customer_signature(secret, customer)}
    issued = await client.post(f"/api/v1/widget/{slug}/visitors", json=body)
    assert issued.status_code == 200, issued.text
    headers = {"X-Visitor-Token": issued.json()["token"]}
    started = await client.post("/api/v1/widget/conversations", json={}, headers=headers)
    assert started.status_code == 200, started.text
    return Shopper(issued.json()["token"], issued.json()["visitor_id"], started.json()["id"])


async def last_words(client, shopper: Shopper) -> dict[str, Any]:
    last = (await shopper_sees(client, shopper))[-1]
    assert last["sender_kind"] == "bot", last
    return last


async def logistics_cases(client, persona) -> list[dict[str, Any]]:
    found = await client.as_(persona).get("/api/v1/cases", params={"type": "logistics"})
    assert found.status_code == 200, found.text
    return found.json()["items"]


async def test_a_signed_in_shopper_hears_where_their_moving_parcel_is(
    client, sessionmaker, owen, shop_orders
):
    zhang = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, zhang, "我的快递到哪了")
    answer = await last_words(client, zhang)
    assert answer["body"].startswith(f"您的订单 {MOVING} 已发货。")  # the newest still coming
    assert "中通快递，运单号 ZTO7300000001" in answer["body"]
    assert "【杭州】快件已到达【杭州转运中心】" in answer["body"]
    assert "您还有 2 个订单" in answer["body"]
    assert answer["payload"]["bot"] == {"order": MOVING}
    # Naming another order of theirs answers about that one; 李娜's is nothing to them.
    await say(client, zhang, f"那订单{UNPAID}呢")
    assert (await last_words(client, zhang))["body"].startswith(f"您的订单 {UNPAID} 还未付款")
    await say(client, zhang, f"订单{LIS}到哪了")
    refused = await last_words(client, zhang)
    assert LIS not in refused["body"] and "ZTO7300000003" not in refused["body"]
    assert refused["body"].startswith("抱歉，没有查到")


async def test_an_anonymous_visitor_proves_the_order_with_the_phone_digits(
    client, owen, carol, shop_orders
):
    visitor = await make_shopper(client)
    await say(client, visitor, "帮我查下物流")
    asked = await last_words(client, visitor)
    assert asked["payload"]["bot"] == {"ask_order": True}
    assert "订单号" in asked["body"] and "后四位" in asked["body"]
    await say(client, visitor, f"{LIS} 尾号{ZHANG_PHONE[-4:]}")  # 张伟's digits, 李娜's order
    wrong = await last_words(client, visitor)
    assert wrong["body"].startswith("抱歉，没有查到") and "ZTO7300000003" not in wrong["body"]
    await say(client, visitor, f"订单号{LIS}，手机后四位{LI_PHONE[-4:]}")
    answer = await last_words(client, visitor)
    assert answer["body"].startswith(f"您的订单 {LIS} 已发货。")
    assert "ZTO7300000003" in answer["body"] and "您还有" not in answer["body"]


async def test_guessing_twice_hands_the_visitor_to_a_person(client, carol, shop_orders):
    visitor = await make_shopper(client)
    await say(client, visitor, "我的订单到哪了")
    await say(client, visitor, f"{MOVING} 0000")
    await say(client, visitor, f"{STUCK} 1111")
    reply = await last_words(client, visitor)
    assert reply["payload"]["bot"]["handoff"] == "unanswered"
    notes = [
        m for m in await staff_sees(client, carol, visitor.conversation_id) if m["kind"] == "note"
    ]
    assert len(notes) == 1 and "连续两次未能回答" in notes[0]["body"]


async def test_a_stalled_parcel_opens_one_logistics_case_and_the_shopper_is_told(
    client, sessionmaker, owen, carol, shop_orders
):
    zhang = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, zhang, f"订单{STUCK}怎么还没到，物流一直不动")
    told = await last_words(client, zhang)
    assert "已经 4 天没有新的物流信息了" in told["body"]
    assert "我们已为您登记物流异常" in told["body"]
    assert told["payload"]["bot"]["case_opened"] is True
    [case] = await logistics_cases(client, carol)
    assert case["title"] == f"物流停滞：订单 {STUCK}（4 天无物流更新）"
    assert case["id"] == told["payload"]["bot"]["case_id"]
    detail = (await client.as_(carol).get(f"/api/v1/cases/{case['id']}")).json()
    assert detail["evidence"] == {"tracking_no": "ZTO7300000002"}
    assert detail["conversation_id"] == zhang.conversation_id
    # Asked again (here and in a new conversation): the same case, never a second.
    await say(client, zhang, f"订单{STUCK}到哪了")
    again = await last_words(client, zhang)
    assert (
        "我们正在跟进物流异常" in again["body"] and again["payload"]["bot"]["case_opened"] is False
    )
    later = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, later, f"帮我查下订单{STUCK}的物流")
    assert (await last_words(client, later))["payload"]["bot"]["case_id"] == case["id"]
    assert len(await logistics_cases(client, carol)) == 1


async def test_stall_days_is_the_shops_choice(client, sessionmaker, owen, carol, shop_orders):
    api = client.as_(owen)
    wrong = await api.patch("/api/v1/shop/bot", json={"stall_days": 0})
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "stall_days")
    changed = await api.patch("/api/v1/shop/bot", json={"stall_days": 5})
    assert changed.json()["stall_days"] == 5
    zhang = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, zhang, f"订单{STUCK}到哪了")
    answer = await last_words(client, zhang)
    assert "【郑州】快件已到达【郑州转运中心】" in answer["body"] and "⚠️" not in answer["body"]
    assert await logistics_cases(client, carol) == []


async def test_an_english_shops_bot_answers_about_orders_in_english(
    client, sessionmaker, owen, shop_orders
):
    assert (await client.as_(owen).patch("/api/v1/shop", json={"locale": "en"})).status_code == 200
    zhang = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, zhang, "我的快递到哪了")
    lines = (await last_words(client, zhang))["body"].split("\n")
    assert lines[0] == f"Your order {MOVING} has shipped."
    assert lines[1].startswith("中通快递, tracking number ZTO7300000001. Latest tracking (")
    assert lines[1].endswith("): 【杭州】快件已到达【杭州转运中心】")  # the carrier's words
    assert lines[2] == "You have 2 more orders; send an order number to ask about another."
    await say(client, zhang, f"订单{STUCK}怎么还没到")
    stalled = (await last_words(client, zhang))["body"]
    assert "Your parcel has had no new tracking for 4 days. We have registered" in stalled
    visitor = await make_shopper(client)
    await say(client, visitor, "帮我查下物流")
    asked = await last_words(client, visitor)
    assert asked["payload"]["bot"] == {"ask_order": True}
    assert asked["body"].startswith("Please send your order number and the last four digits")
