"""Live chat end to end, in two browsers against a real server in demo mode: a shopper
signed in to the demo store asks a question in the widget; 陈静, a demo agent signed in
through the login form in another browser, sees it arrive live in the workspace, answers
with the /hi quick phrase filled with the shopper's nickname, closes the chat, and sees
the 1–5 rating the shopper then leaves.

The demo shop is built by the same loader as ``kefu demo``; only its opening hours are
widened (through the action) so the test does not depend on the time of day."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from kefu.access import Actor
from kefu.actions.shops import do_set_business_hours
from kefu.demo import staff
from kefu.demo.phrases import PHRASES
from kefu.models import Customer
from tests.browser.conftest import served
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser
WAIT = 10_000  # ms: the greeting's promise, and the patience for everything live
ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
SHOPPER_ID = "C00001"
QUESTION = "你好，我身高165、体重52公斤，羽绒服穿M码合适吗？"


@pytest.fixture(scope="module")
def demo_server(settings) -> Iterator[str]:
    with served(settings, KEFU_DEMO_MODE="true") as url:
        yield url


@pytest.fixture
async def demo_shop(sessionmaker, built_demo) -> str:
    """The demo shop as ``kefu demo`` builds it, open around the clock; returns the
    nickname of the demo customer the shopper is signed in as."""
    summary = built_demo
    async with sessionmaker() as session:
        await do_set_business_hours(session, Actor.system(summary.shop_id, "e2e test"), ALWAYS_OPEN)
        await session.commit()
        return await session.scalar(
            select(Customer.nickname).where(
                Customer.shop_id == summary.shop_id, Customer.external_id == SHOPPER_ID
            )
        )


async def _context(chromium: Browser, server: str) -> BrowserContext:
    return await chromium.new_context(
        base_url=server, viewport={"width": 1366, "height": 860}, locale="zh-CN"
    )


@pytest.fixture
async def shopper(chromium, demo_server) -> AsyncIterator[Page]:
    context = await _context(chromium, demo_server)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def agent(chromium, demo_server) -> AsyncIterator[Page]:
    context = await _context(chromium, demo_server)
    yield await context.new_page()
    await context.close()


async def go_online(page: Page) -> None:
    """Through the status picker in the user menu, as an agent starts her shift."""
    await page.locator(".user-menu summary").click()
    await page.locator(".presence-pick button", has_text="在线").click()
    await expect(page.locator(".user-menu summary .dot-online")).to_be_attached()


async def test_shopper_and_agent_chat_live_and_the_chat_is_rated(
    demo_shop: str, shopper: Page, agent: Page
):
    nickname = demo_shop
    chen = next(person for person in staff.AGENTS if person.key == "agent")
    await sign_in(agent, chen.email, staff.DEMO_PASSWORD)
    await go_online(agent)
    await agent.goto("/workspace")
    await expect(agent.locator("#ws-live")).to_have_text("实时")
    await agent.get_by_role("tab", name="我的").click()
    # The demo's history holds her earlier chats with this shopper; the new one is the
    # item whose preview is the question.
    item = agent.locator(".ws-item").filter(has_text=nickname).filter(has_text=QUESTION[:12])
    await expect(item).to_have_count(0)

    await shopper.goto(f"/demo/store?customer={SHOPPER_ID}")
    await shopper.get_by_role("button", name="联系客服").click()
    chat = shopper.locator("#kefu-widget")
    await expect(chat.get_by_text(staff.WIDGET_SETTINGS["greeting"])).to_be_visible(timeout=WAIT)
    box = chat.get_by_role("textbox", name="输入消息")
    await box.fill(QUESTION)
    await box.press("Enter")
    await expect(chat.locator(".msg.mine .receipt", has_text="未读")).to_be_visible(timeout=WAIT)

    # 陈静 has the presale skill and is the only one online: the chat is routed to her and
    # shows up in her list without a reload.
    await item.click(timeout=WAIT)
    await expect(agent.locator("#ws-messages")).to_contain_text(QUESTION)
    status = chat.locator("header .status")
    await expect(status).to_have_text(f"● {chen.name} 为您服务", timeout=WAIT)
    await expect(chat.locator("header .avatar")).to_have_text(chen.name[0])

    composer = agent.get_by_role("textbox", name="消息")
    await composer.press_sequentially("/hi")
    phrases = agent.get_by_role("listbox", name="快捷短语")
    await expect(phrases.get_by_role("option").first).to_contain_text("/hi")
    # The phrase's text (variables filled) takes a request; an impatient second Enter
    # while it is on its way must not send the bare "/hi" to the shopper.
    filling = asyncio.Event()

    async def fill_slowly(route) -> None:
        await filling.wait()
        await route.continue_()

    await agent.route("**/quick-phrases/*/use", fill_slowly)
    await composer.press("Enter")
    await composer.press("Enter")
    filling.set()
    template = next(body for shortcut, _folder, _type, body in PHRASES if shortcut == "hi")
    reply = template.replace("{客户昵称}", nickname)
    await expect(composer).to_have_value(reply)
    await composer.press("Enter")
    await expect(agent.locator(".ws-msg.out:not(.pending)")).to_contain_text(reply)
    await expect(chat.get_by_text(reply)).to_be_visible(timeout=WAIT)
    await expect(chat.locator(".msg.theirs", has_text="/hi")).to_have_count(0)

    # Her latest order, from the customer panel, as a card: she sees what 陈静 sees.
    order = agent.locator(".ws-order").first
    number = await order.locator("code").inner_text()
    status_words = await order.locator(".badge").first.inner_text()
    product = (await order.locator(".ws-order-line").first.inner_text()).split(" × ")[0]
    await order.get_by_role("button", name="发送卡片", exact=True).click()
    for card in (agent.locator(".ws-msg.out .ws-card"), chat.locator(".card.order")):
        await expect(card).to_contain_text(number, timeout=WAIT)
        await expect(card).to_contain_text(status_words)
        await expect(card).to_contain_text(product)
    await expect(chat.locator(".card.order")).to_contain_text("实付 ¥")

    await agent.locator('[data-dialog="close"]').click()
    dialog = agent.locator("#dlg-close")
    await dialog.get_by_label("记录总结").fill("咨询羽绒服尺码，已推荐M码")
    await dialog.locator('button[value="ok"]').click()
    await expect(chat.get_by_text("本次会话已结束")).to_be_visible(timeout=WAIT)
    await expect(status).to_have_text("● 在线")  # the shop again: nobody serves her now
    await expect(chat.locator("header .avatar")).to_have_text("客")
    await chat.get_by_role("button", name="非常满意").click()
    await chat.get_by_role("textbox", name="说说您的感受").fill("回复很快，尺码推荐很准，谢谢！")
    await chat.get_by_role("button", name="提交评价").click()
    await expect(chat.get_by_text("感谢您的评价！")).to_be_visible()

    conversations = await agent.request.get("/api/v1/conversations", params={"status": "closed"})
    closed = (await conversations.json())["items"][0]  # newest first: this chat
    rated = await (await agent.request.get(f"/api/v1/conversations/{closed['id']}")).json()
    assert (rated["rating"], rated["rating_comment"]) == (5, "回复很快，尺码推荐很准，谢谢！")
    assert rated["summary"] == "咨询羽绒服尺码，已推荐M码"
