"""An agent in the workspace, in Chromium against a real server: a shopper's message
arrives live, a quick phrase is picked with /hi and its variables filled, the reply
reaches the shopper, and markup a shopper sends stays text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from kefu.actions.phrase_tests import variant_for
from kefu.models import Customer, CustomerType, Order, OrderStatus, PhraseUse
from tests.browser.test_pages_in_chromium import sign_in
from tests.workspace.conftest import link_customer

pytestmark = pytest.mark.browser
XSS = ['<img src=x onerror="window.__xss=1">', "<script>window.__xss=1</script>"]


async def _customer_with_order(sessionmaker, shop_id: int) -> int:
    async with sessionmaker() as s:
        customer = Customer(
            shop_id=shop_id,
            external_id="C-7001",
            nickname="小王",
            tags=["讲价型"],
            customer_type=CustomerType.FUSSY,
        )
        s.add(customer)
        await s.flush()
        s.add(
            Order(
                shop_id=shop_id,
                external_id="E2026112500088",
                customer_id=customer.id,
                status=OrderStatus.PAID,
                total_cents=12900,
                placed_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
                paid_at=datetime(2026, 11, 25, 8, 1, tzinfo=UTC),
            )
        )
        await s.commit()
        return customer.id


class Shopper:
    """A visitor using the widget's REST API on the real server."""

    def __init__(self, http: httpx.AsyncClient, token: str, conversation_id: int):
        self.http, self.conversation_id = http, conversation_id
        self.headers = {"X-Visitor-Token": token}

    @classmethod
    async def start(cls, http: httpx.AsyncClient) -> Shopper:
        token = (await http.post("/api/v1/widget/acme/visitors", json={})).json()["token"]
        started = await http.post(
            "/api/v1/widget/conversations",
            json={"skill": "presale"},
            headers={"X-Visitor-Token": token},
        )
        return cls(http, token, started.json()["id"])

    async def say(self, body: str) -> None:
        sent = await self.http.post(
            f"/api/v1/widget/conversations/{self.conversation_id}/messages",
            json={"client_id": str(uuid.uuid4()), "body": body},
            headers=self.headers,
        )
        assert sent.status_code == 200, sent.text

    async def read(self) -> list[str]:
        page = await self.http.get(
            f"/api/v1/widget/conversations/{self.conversation_id}/messages", headers=self.headers
        )
        return [m["body"] for m in page.json()["items"]]


async def open_new_chat(page: Page, http: httpx.AsyncClient, agent, question: str) -> Shopper:
    """A new shopper asks ``question``; ``agent`` signs in and opens that chat live."""
    shopper = await Shopper.start(http)
    await shopper.say(question)
    await sign_in(page, agent.email, agent.password)
    await page.goto("/workspace")
    await page.get_by_role("tab", name="全部").click()
    await page.locator(".ws-item").first.click()
    await expect(page.locator("#ws-messages")).to_contain_text(question)
    await expect(page.locator("#ws-live")).to_have_text("实时")
    return shopper


async def _add_phrase(client, persona, shortcut: str, folder: str, body: str) -> dict:
    """A shop phrase, added through the API as ``persona``."""
    added = await client.as_(persona).post(
        "/api/v1/quick-phrases", json={"shortcut": shortcut, "folder": folder, "body": body}
    )
    assert added.status_code == 200, added.text
    return added.json()


async def _pick_phrase(page: Page, shortcut: str) -> None:
    """Type ``/shortcut`` in the composer and take the first phrase offered."""
    composer = page.get_by_role("textbox", name="消息")
    await composer.press_sequentially(f"/{shortcut}")
    offered = page.get_by_role("listbox", name="快捷短语").get_by_role("option").first
    await expect(offered).to_contain_text(f"/{shortcut}")
    await composer.press("Enter")


async def test_agent_answers_live_with_a_quick_phrase(
    page: Page, server_url, client, sessionmaker, alice, carol
):
    customer_id = await _customer_with_order(sessionmaker, alice.shop_id)
    greeting = "您好{客户昵称}，订单{订单号}已收到～"
    phrase = await _add_phrase(client, carol, "hi", "greeting", greeting)
    async with httpx.AsyncClient(base_url=server_url) as http:
        shopper = await Shopper.start(http)
        await link_customer(sessionmaker, shopper.conversation_id, customer_id)
        await shopper.say("你好，在吗？")

        await sign_in(page, alice.email, alice.password)
        await page.goto("/workspace")
        await page.get_by_role("tab", name="待分配").click()
        await page.locator(".ws-item").filter(has_text="小王").click()
        await expect(page.locator("#ws-messages")).to_contain_text("你好，在吗？")
        await expect(page.locator("#ws-live")).to_have_text("实时")
        profile = page.locator(".ws-profile").locator("..")
        await expect(profile).to_contain_text("¥129.00 · 累计消费")
        await expect(profile).to_contain_text("麻烦型")
        await expect(profile.get_by_role("link", name="顾客资料")).to_have_attribute(
            "href", f"/customers/{customer_id}"
        )

        await shopper.say("我想问下什么时候发货")
        await expect(page.locator("#ws-messages")).to_contain_text("我想问下什么时候发货")

        composer = page.get_by_role("textbox", name="消息")
        await _pick_phrase(page, "hi")
        filled = "您好小王，订单E2026112500088已收到～"
        await expect(composer).to_have_value(filled)
        await composer.press("Enter")
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_contain_text(filled)
        assert (await shopper.read())[0] == filled

        # Under an A/B test the composer inserts the conversation's variant, every time.
        challenger = "亲，{客户昵称}您好，订单{订单号}今天就发，还送运费险～"
        started = await client.as_(carol).post(
            f"/api/v1/quick-phrases/{phrase['id']}/tests", json={"variants": [challenger]}
        )
        assert started.status_code == 201, started.text
        variant = variant_for(started.json()["id"], shopper.conversation_id, 2)
        expected = (filled, "亲，小王您好，订单E2026112500088今天就发，还送运费险～")[variant]
        for _ in range(2):
            await composer.fill("")
            await _pick_phrase(page, "hi")
            await expect(composer).to_have_value(expected)
    async with sessionmaker() as session:
        uses = await session.scalars(select(PhraseUse.variant))
        assert uses.all() == [variant, variant]


async def test_markup_from_a_shopper_is_shown_as_text(page: Page, server_url, alice):
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    async with httpx.AsyncClient(base_url=server_url) as http:
        shopper = await Shopper.start(http)
        for payload in XSS:
            await shopper.say(payload)
        await sign_in(page, alice.email, alice.password)
        await page.goto("/workspace")
        await page.get_by_role("tab", name="全部").click()
        await page.locator(".ws-item").first.click()
        for payload in XSS:
            await expect(page.locator(".ws-text").filter(has_text=payload)).to_have_count(1)
    assert await page.evaluate("window.__xss") is None
    assert await page.locator("#ws-messages img, #ws-messages script").count() == 0
    assert dialogs == []


async def test_a_deactivated_agents_workspace_closes_at_once(page: Page, server_url, alice, owen):
    await sign_in(page, alice.email, alice.password)
    await page.goto("/workspace")
    await expect(page.locator("#ws-live")).to_have_text("实时")
    owner = {"Cookie": f"kefu_session={owen.session_token}", "X-CSRF-Token": owen.csrf_token}
    async with httpx.AsyncClient(base_url=server_url, headers=owner) as http:
        done = await http.post(f"/api/v1/agents/{alice.agent_id}/deactivate")
    assert done.status_code == 200, done.text
    await expect(page.locator("#ws-live")).to_have_count(0)  # the page reloaded, refused
    await expect(page.locator("body")).to_contain_text("你已不是本店客服")


async def test_a_phrase_variable_with_no_value_is_left_for_the_agent_to_fill(
    page: Page, server_url, client, alice, carol
):
    await _add_phrase(client, carol, "ship", "logistics", "您的快递单号是{物流单号}，请注意查收～")
    async with httpx.AsyncClient(base_url=server_url) as http:
        # No order, no shipment: nothing to fill the variable with.
        shopper = await open_new_chat(page, http, alice, "我的快递到哪了？")

        composer = page.get_by_role("textbox", name="消息")
        await _pick_phrase(page, "ship")
        await expect(composer).to_have_value("您的快递单号是{物流单号}，请注意查收～")
        await composer.press_sequentially("SF1234567890")  # types over the selected variable
        await expect(composer).to_have_value("您的快递单号是SF1234567890，请注意查收～")
        await composer.press("Enter")
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_contain_text("SF1234567890")

        # Sent with the variable still in it: refused, and back in the composer to fix
        # with the variable selected, not the braces the agent wrote before it.
        await composer.press_sequentially("{M}码有货，")
        await _pick_phrase(page, "ship")
        draft = "{M}码有货，您的快递单号是{物流单号}，请注意查收～"
        await expect(composer).to_have_value(draft)
        await composer.press("Enter")
        await expect(page.locator("#ws-problem-text")).to_have_text(
            "请先把 {物流单号} 换成实际内容再发送。"
        )
        await expect(composer).to_have_value(draft)
        await composer.press_sequentially("SF0000000001")
        await composer.press("Enter")
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_have_count(2)
        received = await shopper.read()
        assert draft not in received
        assert "{M}码有货，您的快递单号是SF0000000001，请注意查收～" in received
