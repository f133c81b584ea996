"""Self-service after-sales in the widget (申请售后): a shopper signed in on the storefront
sees their own delivered orders, asks for a return, exchange or refund of a line inside
the shop's return window, and follows the case's progress (isolation of the routes:
tests/api/test_tenant_isolation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kefu.lib.tokens import customer_signature
from kefu.models import Shop
from tests.factories import Persona
from tests.widget.conftest import png_bytes

ZHANG, LI = "C-8801", "C-8802"


def _order(number: str, customer: str, *lines: tuple[str, str, int]) -> dict[str, Any]:
    return {
        "external_id": number,
        "customer_external_id": customer,
        "status": "delivered",
        "placed_at": (datetime.now(UTC) - timedelta(days=20)).isoformat(),
        "lines": [
            {"sku": sku, "title": title, "quantity": 1, "unit_price_cents": cents}
            for sku, title, cents in lines
        ],
    }


def _shipment(order: str, delivered: timedelta | None) -> dict[str, Any]:
    """Delivered ``delivered`` ago, counted from when the test runs (the window's edges are
    minutes wide, and a whole suite takes longer than that)."""
    now = datetime.now(UTC)
    return {
        "external_id": f"SF-{order}",
        "order_external_id": order,
        "carrier": "顺丰速运",
        "tracking_no": f"SF{order[-6:]}",
        "status": "in_transit" if delivered is None else "delivered",
        "shipped_at": (now - timedelta(days=19)).isoformat(),
        "delivered_at": None if delivered is None else (now - delivered).isoformat(),
    }


SHIRT = ("TS-WHT-M", "纯棉短袖T恤 白色 M", 7900)
SERUM = ("SERUM-30", "保湿精华液 30ml", 15900)
# Delivered just inside the 7 days, just outside them, not yet, and 李娜's.
FRESH, STALE, ON_THE_WAY, LIS = "E2026001", "E2026002", "E2026003", "E2026004"
ORDERS = [
    _order(FRESH, ZHANG, SHIRT, SERUM),
    _order(STALE, ZHANG, ("MUG-350", "陶瓷马克杯 350ml", 3900)),
    _order(ON_THE_WAY, ZHANG, ("EAR-01", "蓝牙耳机", 19900)),
    _order(LIS, LI, ("FLASK-500", "不锈钢保温杯 500ml", 12900)),
]


def _shipments() -> list[dict[str, Any]]:
    return [
        _shipment(FRESH, timedelta(days=7) - timedelta(minutes=5)),
        _shipment(STALE, timedelta(days=7, minutes=5)),
        _shipment(ON_THE_WAY, None),
        _shipment(LIS, timedelta(days=1)),
    ]


async def _ok(response) -> Any:
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json()


async def _signed_in(client, sessionmaker, shop_id: int, customer: str | None) -> dict[str, str]:
    """A visitor of acme's widget, signed in on the storefront as ``customer``."""
    body: dict[str, str] = {"page": "/orders"}
    if customer is not None:
        async with sessionmaker() as session:
            secret = (await session.get(Shop, shop_id)).widget_secret
        body |= {
            "customer_id": customer,
            "customer_signature": customer_signature(secret, customer),
        }
    issued = await _ok(await client.post("/api/v1/widget/acme/visitors", json=body))
    return {"X-Visitor-Token": issued["token"]}


@pytest.fixture
async def zhang(client, sessionmaker, owen: Persona) -> dict[str, str]:
    api = client.as_(owen)
    customers = [{"external_id": ZHANG, "name": "张伟"}, {"external_id": LI, "name": "李娜"}]
    await _ok(await api.post("/api/v1/customers/bulk", json={"items": customers}))
    await _ok(await api.post("/api/v1/orders/bulk", json={"items": ORDERS}))
    await _ok(await api.post("/api/v1/shipments/bulk", json={"items": _shipments()}))
    return await _signed_in(client, sessionmaker, owen.shop_id, ZHANG)


async def _lines(client, headers) -> dict[str, dict[str, Any]]:
    found = await _ok(await client.get("/api/v1/widget/orders", headers=headers))
    return {line["title"]: line for order in found["orders"] for line in order["lines"]}


async def _ask(client, headers, line_id: int, **body: Any):
    body = {"order_line_id": line_id, "type": "return", "reason": "wrong_size"} | body
    return await client.post("/api/v1/widget/cases", json=body, headers=headers)


async def test_the_shopper_sees_only_their_orders_and_which_lines_may_go_back(client, zhang):
    found = await _ok(await client.get("/api/v1/widget/orders", headers=zhang))
    assert found["return_window_days"] == 7
    assert sorted(o["external_id"] for o in found["orders"]) == [FRESH, STALE, ON_THE_WAY]
    lines = await _lines(client, zhang)
    assert "不锈钢保温杯 500ml" not in lines  # 李娜's
    assert lines["纯棉短袖T恤 白色 M"]["eligible"] is True
    assert lines["保湿精华液 30ml"]["refusal"] is None
    assert lines["陶瓷马克杯 350ml"]["refusal"] == "outside_return_window"
    assert lines["蓝牙耳机"]["refusal"] == "not_delivered"


async def test_a_return_opens_a_case_the_shopper_follows(client, owen, zhang):
    lines = await _lines(client, zhang)
    asked = await _ask(
        client, zhang, lines["纯棉短袖T恤 白色 M"]["id"], detail="平时穿M，这件偏小，想退掉"
    )
    assert asked.status_code == 201, asked.text
    case = asked.json()
    assert (case["type"], case["status"]) == ("return", "new")
    assert case["title"] == "退货申请：纯棉短袖T恤 白色 M"
    # Agents see it among the shop's cases, opened from the widget with the reason.
    agent_view = await _ok(await client.as_(owen).get(f"/api/v1/cases/{case['id']}"))
    assert agent_view["source"] == "widget"
    assert agent_view["description"] == "尺码/规格不合适\n平时穿M，这件偏小，想退掉"
    # The line is no longer offered; an agent's reply and move show, the note does not.
    assert (await _lines(client, zhang))["纯棉短袖T恤 白色 M"]["refusal"] == "open_case"
    api = client.as_(owen)
    url = f"/api/v1/cases/{case['id']}"
    await _ok(await api.post(f"{url}/comments", json={"body": "这位顾客是老客户，优先处理"}))
    await _ok(await api.post(f"{url}/transition", json={"to": "accepted"}))
    reply = {"body": "您好，退货已受理，请寄回至杭州市西湖区文三路90号", "public": True}
    await _ok(await api.post(f"{url}/comments", json=reply))
    [mine] = (await _ok(await client.get("/api/v1/widget/cases", headers=zhang)))["cases"]
    assert mine["status"] == "accepted"
    assert [(e["kind"], e["status"], e["body"]) for e in mine["timeline"]] == [
        ("created", "new", None),
        ("status_changed", "accepted", None),
        ("replied", None, reply["body"]),
    ]
    assert "老客户" not in str(mine)


async def test_a_second_request_for_the_same_line_is_refused(client, zhang):
    line = (await _lines(client, zhang))["保湿精华液 30ml"]["id"]
    assert (
        await _ask(client, zhang, line, type="refund_only", reason="quality")
    ).status_code == 201
    again = await _ask(client, zhang, line, type="exchange")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "open_case"


async def test_late_or_undelivered_lines_are_refused_with_the_reason(client, owen, zhang):
    lines = await _lines(client, zhang)
    late = await _ask(client, zhang, lines["陶瓷马克杯 350ml"]["id"])
    assert late.status_code == 422
    assert late.json()["error"]["code"] == "outside_return_window"
    assert "7 days" in late.json()["error"]["message"]
    early = await _ask(client, zhang, lines["蓝牙耳机"]["id"])
    assert (early.status_code, early.json()["error"]["code"]) == (422, "not_delivered")
    # A shop with 15 days (owners change it with the other case settings) takes the mug.
    patched = await client.as_(owen).patch(
        "/api/v1/shop/case-settings", json={"return_window_days": 15}
    )
    assert patched.json()["return_window_days"] == 15
    assert (await _ask(client, zhang, lines["陶瓷马克杯 350ml"]["id"])).status_code == 201


async def test_another_customers_line_is_not_found(client, sessionmaker, owen, zhang):
    li = await _signed_in(client, sessionmaker, owen.shop_id, LI)
    flask = (await _lines(client, li))["不锈钢保温杯 500ml"]["id"]
    shirt = (await _lines(client, zhang))["纯棉短袖T恤 白色 M"]["id"]
    for headers, line in ((zhang, flask), (li, shirt)):
        refused = await _ask(client, headers, line)
        assert refused.status_code == 404, refused.text
    assert (await _ok(await client.get("/api/v1/widget/cases", headers=li)))["cases"] == []


async def test_an_anonymous_visitor_is_told_to_sign_in(client, sessionmaker, owen, zhang):
    anonymous = await _signed_in(client, sessionmaker, owen.shop_id, None)
    shirt = (await _lines(client, zhang))["纯棉短袖T恤 白色 M"]["id"]
    for answer in (
        await client.get("/api/v1/widget/orders", headers=anonymous),
        await client.get("/api/v1/widget/cases", headers=anonymous),
        await _ask(client, anonymous, shirt),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "not_signed_in"


async def test_the_window_refuses_odd_settings(client, owen):
    for days in (-1, 366, 10**20, 3.5):
        answer = await client.as_(owen).patch(
            "/api/v1/shop/case-settings", json={"return_window_days": days}
        )
        assert answer.status_code == 422, (days, answer.text)


async def test_photos_must_be_the_shoppers_own_uploads(client, sessionmaker, owen, zhang):
    started = await _ok(
        await client.post(
            "/api/v1/widget/conversations", json={"skill": "aftersale"}, headers=zhang
        )
    )
    url = f"/api/v1/widget/conversations/{started['id']}/images"
    files = {"file": ("尺码对比.png", png_bytes(), "image/png")}
    photo = await _ok(await client.post(url, files=files, headers=zhang))
    li = await _signed_in(client, sessionmaker, owen.shop_id, LI)
    flask = (await _lines(client, li))["不锈钢保温杯 500ml"]["id"]
    refused = await _ask(client, li, flask, photo_upload_ids=[photo["id"]])
    assert (refused.status_code, refused.json()["error"]["field"]) == (404, "photo_upload_ids")
    shirt = (await _lines(client, zhang))["纯棉短袖T恤 白色 M"]["id"]
    asked = await _ok(await _ask(client, zhang, shirt, photo_upload_ids=[photo["id"]]))
    case = await _ok(await client.as_(owen).get(f"/api/v1/cases/{asked['id']}"))
    assert case["evidence"] == {"photo_upload_ids": [photo["id"]]}
    assert case["conversation_id"] == started["id"]  # agents see it beside the chat


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"order_line_id": 2**63, "type": "return", "reason": "other"},
        {"order_line_id": 1, "type": "complaint", "reason": "other"},
        {"order_line_id": 1, "type": "return", "reason": "太贵了"},
        {"order_line_id": 1, "type": "return", "reason": "other", "detail": "长" * 1001},
        {"order_line_id": 1, "type": "return", "reason": "other", "photo_upload_ids": [0]},
    ],
)
async def test_odd_requests_are_refused_plainly(client, zhang, body):
    answer = await client.post("/api/v1/widget/cases", json=body, headers=zhang)
    assert answer.status_code == 422, answer.text


async def test_the_shopper_does_not_see_the_follow_up_of_her_bad_review(client, owen, zhang):
    """Her 1★ opens a review follow-up (the shop's call-back task, with her own words): it
    is the agents' list it appears in, not her cases in the widget."""
    started = await _ok(
        await client.post(
            "/api/v1/widget/conversations", json={"skill": "aftersale"}, headers=zhang
        )
    )
    url = f"/api/v1/widget/conversations/{started['id']}/rating"
    await _ok(await client.post(url, json={"rating": 1, "comment": "太慢了"}, headers=zhang))
    listed = await _ok(
        await client.as_(owen).get("/api/v1/cases", params={"type": "review_followup"})
    )
    assert [c["conversation_id"] for c in listed["items"]] == [started["id"]]
    assert listed["items"][0]["customer_id"] is not None  # hers
    assert (await _ok(await client.get("/api/v1/widget/cases", headers=zhang)))["cases"] == []
