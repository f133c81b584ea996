"""Self-service after-sales in a real browser: a shopper signed in on the demo storefront
asks for a return of a delivered T-shirt in the widget and follows carol's handling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect

from kefu.models import Customer, Order, OrderLine, OrderStatus, Shipment, ShipmentStatus
from tests.browser.conftest import CHROMIUM
from tests.widget.conftest import png_bytes
from tests.widget.test_widget_in_chromium import (  # noqa: F401  (shared fixtures)
    WAIT,
    demo_carol,
    shopper,
    staff,
    widget,
    widget_server,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
SHIRT = "纯棉短袖T恤 白色 M"


async def _delivered_shirt(sessionmaker, shop_id: int) -> None:
    """芳芳 (C00001) received a T-shirt two days ago."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        customer = Customer(shop_id=shop_id, external_id="C00001", name="王芳", nickname="芳芳")
        session.add(customer)
        await session.flush()
        order = Order(
            shop_id=shop_id,
            external_id="XL2026120100001",
            customer_id=customer.id,
            status=OrderStatus.DELIVERED,
            total_cents=7900,
            placed_at=now - timedelta(days=5),
        )
        order.lines.append(
            OrderLine(
                shop_id=shop_id,
                line_no=1,
                sku="TS-WHT-M",
                title=SHIRT,
                quantity=1,
                unit_price_cents=7900,
                amount_cents=7900,
            )
        )
        session.add(order)
        await session.flush()
        session.add(
            Shipment(
                shop_id=shop_id,
                external_id="SF-DEMO-1",
                order_id=order.id,
                carrier="顺丰速运",
                tracking_no="SF1300000001",
                status=ShipmentStatus.DELIVERED,
                shipped_at=now - timedelta(days=4),
                delivered_at=now - timedelta(days=2),
            )
        )
        await session.commit()


async def _request_form(tab: Page) -> tuple[Any, Any]:
    """芳芳 signed in on the demo store opens 申请售后 and the T-shirt's request form:
    the widget and the T-shirt's item."""
    await tab.goto("/demo/store?customer=C00001")
    await tab.get_by_role("button", name="联系客服").click()
    chat = widget(tab)
    await chat.get_by_role("button", name="申请售后").click()
    item = chat.locator(".item", has_text=SHIRT)
    await item.get_by_role("button", name="申请退换").click()
    return chat, item


async def test_a_shopper_asks_for_a_return_and_follows_it(
    shopper: Page,  # noqa: F811  (the fixtures imported above)
    demo_carol,  # noqa: F811
    widget_server,  # noqa: F811
    sessionmaker,
):
    await _delivered_shirt(sessionmaker, demo_carol.shop_id)
    chat, item = await _request_form(shopper)
    await item.get_by_label("原因").select_option(label="尺码/规格不合适")
    await item.get_by_label("补充说明（选填）").fill("<b>平时穿M</b>，这件偏小")
    await item.get_by_role("button", name="提交申请").click()
    await expect(chat.get_by_text("申请已提交，请留意处理进度")).to_be_visible(timeout=WAIT)
    mine = chat.locator(".case", has_text=f"退货申请：{SHIRT}")
    await expect(mine).to_contain_text("待受理")
    # The line is not offered twice; carol accepts the case and answers the shopper.
    await expect(chat.locator(".item", has_text="申请退换")).to_have_count(0)
    async with staff(widget_server, demo_carol) as api:
        [case] = (await api.get("/api/v1/cases")).json()["items"]
        assert case["description"] == "尺码/规格不合适\n<b>平时穿M</b>，这件偏小"
        url = f"/api/v1/cases/{case['id']}"
        assert (await api.post(f"{url}/transition", json={"to": "accepted"})).is_success
        reply = {"body": "亲，已为您办理退货，请用顺丰寄回", "public": True}
        assert (await api.post(f"{url}/comments", json=reply)).is_success
    await chat.get_by_role("button", name="返回").click()
    await chat.get_by_role("button", name="申请售后").click()
    await expect(mine).to_contain_text("已受理", timeout=WAIT)
    await expect(mine).to_contain_text("亲，已为您办理退货，请用顺丰寄回")


async def test_a_shopper_attaches_photos_to_the_request(
    shopper: Page,  # noqa: F811  (the fixtures imported above)
    demo_carol,  # noqa: F811
    widget_server,  # noqa: F811
    sessionmaker,
):
    """Two photos picked in the request form (one named like a program: the content
    decides), a text file refused; one photo removed again; the case carries the other,
    and no chat message was sent for any of them."""
    await _delivered_shirt(sessionmaker, demo_carol.shop_id)
    chat, item = await _request_form(shopper)
    await item.get_by_label("售后类型").select_option("exchange")
    await item.get_by_label("原因").select_option(label="商品破损")
    picker = item.get_by_label("添加照片（最多 9 张）")
    await picker.set_input_files(
        [
            {"name": "破损1.exe", "mimeType": "application/octet-stream", "buffer": png_bytes()},
            {"name": "破损2.png", "mimeType": "image/png", "buffer": png_bytes(320, 240)},
        ]
    )
    thumbnails = item.locator(".photos img")
    await expect(thumbnails).to_have_count(2, timeout=WAIT)
    await expect(thumbnails.first).to_have_attribute("src", re.compile(r"^blob:"))
    await picker.set_input_files(
        {"name": "假照片.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture at all"}
    )
    await expect(item.get_by_role("alert")).to_have_text("只能发送图片", timeout=WAIT)
    await expect(thumbnails).to_have_count(2)
    await item.get_by_role("button", name="删除照片").first.click()
    await expect(thumbnails).to_have_count(1)
    await item.get_by_role("button", name="提交申请").click()
    await expect(chat.get_by_text("申请已提交，请留意处理进度")).to_be_visible(timeout=WAIT)

    async with staff(widget_server, demo_carol) as api:
        [case] = (await api.get("/api/v1/cases")).json()["items"]
        detail = (await api.get(f"/api/v1/cases/{case['id']}")).json()
        [photo_id] = detail["evidence"]["photo_upload_ids"]
        assert detail["type"] == "exchange" and detail["conversation_id"] is not None
        image = await api.get(f"/api/v1/images/{photo_id}")
        assert image.content == png_bytes(320, 240)  # the second: the first was removed
        url = f"/api/v1/conversations/{detail['conversation_id']}/messages"
        said = [m["sender_kind"] for m in (await api.get(url)).json()["items"]]
        assert "visitor" not in said  # the shopper said nothing in the chat (a bot may greet)
