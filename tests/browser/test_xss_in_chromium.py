"""An XSS corpus through every place a shopper or a shop's data feed can write, read back
in Chromium on every page a supervisor opens: nothing runs, nothing is injected into the
page, the text shows as text, and the Content-Security-Policy is never even tested (the
``page`` fixture fails on any CSP report)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_pages_in_chromium import sign_in
from tests.workspace.conftest import link_customer

pytestmark = pytest.mark.browser
CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload="window.__xss=1">',
    '\'><iframe srcdoc="<script>parent.__xss=1</script>">',
    '<a href="javascript:window.__xss=1">点我领券</a>',
    '<div x-data x-init="window.__xss=1">亲</div>',
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
    "</textarea></title><body onload=window.__xss=1>",
]
# Elements or attributes that only an injection would put in a page.
INJECTED = (
    "script:not([src]):not([type='application/json']), [onerror], [onload], iframe, "
    "a[href^='javascript:'], [x-init*='__xss']"
)


async def _seed_shop_data(client, owen) -> tuple[int, int]:
    """A customer, a product and an order whose every free-text field is hostile."""
    async with client.as_(owen) as c:
        customers = await c.post(
            "/api/v1/customers/bulk",
            json={
                "items": [
                    {
                        "external_id": "C-XSS",
                        "name": CORPUS[0],
                        "nickname": CORPUS[1],
                        "note": CORPUS[2],
                        "tags": [CORPUS[3]],
                    }
                ]
            },
        )
        assert customers.status_code == 200, customers.text
        products = await c.post(
            "/api/v1/products/bulk",
            json={"items": [{"external_id": "P-XSS", "title": CORPUS[4], "price_cents": 100}]},
        )
        assert products.status_code == 200, products.text
        orders = await c.post(
            "/api/v1/orders/bulk",
            json={
                "items": [
                    {
                        "external_id": "E-XSS",
                        "customer_external_id": "C-XSS",
                        "status": "paid",
                        "placed_at": "2026-11-25T10:00:00+08:00",
                        "note": CORPUS[5],
                        "address": {"name": CORPUS[6], "line": CORPUS[7]},
                        "lines": [
                            {
                                "sku": "SKU-1",
                                "title": CORPUS[1],
                                "quantity": 1,
                                "unit_price_cents": 100,
                            }
                        ],
                    }
                ]
            },
        )
        assert orders.status_code == 200, orders.text
    return customers.json()["ids"][0], orders.json()["ids"][0]


async def _hostile_shopper(http: httpx.AsyncClient) -> int:
    """A widget visitor on a page with a hostile title who sends the whole corpus."""
    token = (await http.post("/api/v1/widget/acme/visitors", json={})).json()["token"]
    headers = {"X-Visitor-Token": token}
    viewed = await http.post(
        "/api/v1/widget/page-views",
        json={"page": "https://shop.example/p/1?q=<script>", "title": CORPUS[2]},
        headers=headers,
    )
    assert viewed.status_code == 200, viewed.text
    started = await http.post(
        "/api/v1/widget/conversations", json={"skill": "presale"}, headers=headers
    )
    conversation_id = started.json()["id"]
    for payload in CORPUS:
        sent = await http.post(
            f"/api/v1/widget/conversations/{conversation_id}/messages",
            json={"client_id": str(uuid.uuid4()), "body": payload},
            headers=headers,
        )
        assert sent.status_code == 200, sent.text
    return conversation_id


async def _nothing_ran(page: Page, where: str) -> None:
    assert await page.evaluate("window.__xss") is None, f"a payload ran on {where}"
    injected = await page.locator(INJECTED).evaluate_all("els => els.map(e => e.outerHTML)")
    assert injected == [], f"injected into {where}"


async def test_a_hostile_corpus_stays_text_on_every_page(
    page: Page, server_url, client, sessionmaker, owen, carol
):
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    customer_id, order_id = await _seed_shop_data(client, owen)
    async with httpx.AsyncClient(base_url=server_url) as http:
        conversation_id = await _hostile_shopper(http)
    await link_customer(sessionmaker, conversation_id, customer_id)

    await sign_in(page, carol.email, carol.password)
    for path in (
        "/",
        "/customers",
        f"/customers/{customer_id}",
        "/orders",
        f"/orders/{order_id}",
        "/products",
        "/visitors",
    ):
        await page.goto(path)
        await _nothing_ran(page, path)
    await expect(page.locator("body")).to_contain_text(CORPUS[2])  # the visitor's page title

    await page.goto(f"/customers/{customer_id}")
    await expect(page.locator("h1")).to_have_text(CORPUS[0])

    await page.goto("/workspace")
    await page.get_by_role("tab", name="全部").click()
    await page.locator(".ws-item").first.click()
    for payload in CORPUS:
        await expect(page.locator(".ws-text").filter(has_text=payload)).to_have_count(1)
    await _nothing_ran(page, "/workspace")
    assert dialogs == []
