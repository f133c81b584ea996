"""Visitor activity: the widget reports the page a shopper is on, and agents see who is
browsing now (page, product, time on page, new or returning, cart value).

Isolation from other shops and the role matrix: test_tenant_isolation.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kefu.models import Visitor
from kefu.models.base import utcnow


async def _new_visitor(client, shop_slug: str = "acme") -> dict[str, str]:
    issued = await client.post(f"/api/v1/widget/{shop_slug}/visitors", json={"page": "/"})
    assert issued.status_code == 200, issued.text
    return {"X-Visitor-Token": issued.json()["token"]}


PRODUCT_PAGE = {
    "page": "https://shop.example.com/p/P-1001",
    "title": "纯棉短袖T恤 男款 白色",
    "product_id": "P-1001",
    "cart_value_cents": 15800,
}


async def test_agent_sees_the_page_product_and_cart_a_shopper_is_on(client, alice):
    shopper = await _new_visitor(client)
    reported = await client.post("/api/v1/widget/page-views", json=PRODUCT_PAGE, headers=shopper)
    assert reported.status_code == 200, reported.text

    live = await client.as_(alice).get("/api/v1/visitors/live")
    assert live.status_code == 200, live.text
    [seen] = live.json()["items"]
    assert seen["current_page"] == PRODUCT_PAGE["page"]
    assert seen["page_title"] == "纯棉短袖T恤 男款 白色"
    assert seen["product_id"] == "P-1001"
    assert seen["cart_value_cents"] == 15800
    assert seen["seconds_on_page"] >= 0
    assert seen["returning"] is False


async def test_time_on_page_restarts_only_when_the_page_changes(client, alice):
    shopper = await _new_visitor(client)
    path = "/api/v1/widget/page-views"
    first = (await client.post(path, json=PRODUCT_PAGE, headers=shopper)).json()
    again = (await client.post(path, json=PRODUCT_PAGE, headers=shopper)).json()
    assert again["page_since"] == first["page_since"]

    cart = {"page": "https://shop.example.com/cart", "title": "购物车", "cart_value_cents": 15800}
    moved = (await client.post(path, json=cart, headers=shopper)).json()
    assert moved["page_since"] >= first["page_since"]
    [seen] = (await client.as_(alice).get("/api/v1/visitors/live")).json()["items"]
    assert seen["current_page"] == cart["page"]
    assert seen["product_id"] is None


async def test_a_visitor_first_seen_on_an_earlier_day_is_returning(client, alice, sessionmaker):
    shopper = await _new_visitor(client)
    async with sessionmaker() as session:
        visitor = await session.scalar(select(Visitor))
        visitor.first_seen_at = utcnow() - timedelta(days=3)
        await session.commit()
    await client.post("/api/v1/widget/page-views", json=PRODUCT_PAGE, headers=shopper)
    [seen] = (await client.as_(alice).get("/api/v1/visitors/live")).json()["items"]
    assert seen["returning"] is True


async def test_visitors_gone_longer_than_the_window_are_not_live(client, alice, sessionmaker):
    await _new_visitor(client)
    async with sessionmaker() as session:
        visitor = await session.scalar(select(Visitor))
        visitor.last_seen_at = utcnow() - timedelta(minutes=30)
        await session.commit()
    api = client.as_(alice)
    assert (await api.get("/api/v1/visitors/live?minutes=5")).json()["items"] == []
    assert len((await api.get("/api/v1/visitors/live?minutes=60")).json()["items"]) == 1


async def test_a_bad_cart_value_is_refused_with_the_field_named(client, personas):
    shopper = await _new_visitor(client)
    bad = {**PRODUCT_PAGE, "cart_value_cents": -1}
    refused = await client.post("/api/v1/widget/page-views", json=bad, headers=shopper)
    assert refused.status_code == 422
    assert "cart_value_cents" in refused.text


async def test_page_views_need_a_visitor_token(client, alice):
    anonymous = await client.post("/api/v1/widget/page-views", json=PRODUCT_PAGE)
    assert anonymous.status_code in (401, 403)
    staff = await client.as_(alice).post("/api/v1/widget/page-views", json=PRODUCT_PAGE)
    assert staff.status_code in (401, 403)


INVITATIONS = [
    {"message": "满299包邮，需要帮您凑单吗？", "cart_above_cents": 29900},
    {"message": "欢迎回来！老顾客专享客服在线", "returning_only": True},
]


async def test_the_widget_gets_the_shops_invitation_when_a_rule_is_met(client, owen):
    saved = await client.as_(owen).patch("/api/v1/shop/widget", json={"invitations": INVITATIONS})
    assert saved.status_code == 200, saved.text
    assert saved.json()["invitations"][0]["cart_above_cents"] == 29900
    shopper = await _new_visitor(client)
    path = "/api/v1/widget/page-views"
    small = (await client.post(path, json=PRODUCT_PAGE, headers=shopper)).json()
    assert small["invitation"] is None
    big = {**PRODUCT_PAGE, "cart_value_cents": 35000}
    assert (await client.post(path, json=big, headers=shopper)).json()["invitation"] == (
        "满299包邮，需要帮您凑单吗？"
    )


async def test_an_invitation_without_a_condition_is_refused(client, owen):
    empty = {"invitations": [{"message": "随便聊聊"}]}
    refused = await client.as_(owen).patch("/api/v1/shop/widget", json=empty)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "invitations"
