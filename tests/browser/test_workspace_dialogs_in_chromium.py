"""The workspace's dialogs and alerts in Chromium against a real server: transfer to an
agent and a team with a note the other agent reads, snooze (the conversation leaves the
list until the shopper writes again), close with a summary (记录总结) and a disposition,
refusals shown in the page in Chinese, the notification and chime for a shopper's
message, and the keyboard shortcuts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import csp_violations
from tests.browser.test_pages_in_chromium import sign_in
from tests.browser.test_workspace_in_chromium import Shopper

pytestmark = pytest.mark.browser
ZONE = "Asia/Shanghai"

# Wraps the browser's own Notification and oscillator so the test can see what the page
# asked the browser for; the real ones still run.
RECORD_ALERTS = """
window.__notifications = [];
window.__tones = 0;
const RealNotification = window.Notification;
class RecordedNotification extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__notifications.push({ title, body: options && options.body });
  }
  static get permission() { return RealNotification.permission; }
  static requestPermission(...args) { return RealNotification.requestPermission(...args); }
}
window.Notification = RecordedNotification;
const realStart = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return realStart.apply(this, args);
};
"""


@pytest.fixture
async def http(server_url) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url) as client:
        yield client


async def open_workspace(
    chromium: Browser, server_url: str, persona, **options
) -> AsyncIterator[Page]:
    """A signed-in workspace tab in its own browser context (its own cookies)."""
    context = await chromium.new_context(
        base_url=server_url,
        viewport={"width": 1366, "height": 860},
        locale="zh-CN",
        timezone_id=ZONE,
        **options,
    )
    refused = csp_violations(context)
    try:
        tab = await context.new_page()
        await sign_in(tab, persona.email, persona.password)
        await tab.goto("/workspace")
        await expect(tab.locator("#ws-live")).to_have_text("实时")
        yield tab
    finally:
        await context.close()
    assert refused == [], "the workspace broke our Content-Security-Policy"


@pytest.fixture
async def alice_tab(chromium, server_url, alice) -> AsyncIterator[Page]:
    async for tab in open_workspace(chromium, server_url, alice):
        yield tab


@pytest.fixture
async def bob_tab(chromium, server_url, bob) -> AsyncIterator[Page]:
    async for tab in open_workspace(chromium, server_url, bob):
        yield tab


async def take(tab: Page, text: str) -> None:
    """Open the waiting conversation showing ``text`` and take it (接待)."""
    await tab.get_by_role("tab", name="待分配").click()
    await tab.locator(".ws-item").filter(has_text=text).click()
    await expect(tab.locator("#ws-messages")).to_contain_text(text)
    await tab.get_by_role("button", name="接待").click()
    await expect(tab.get_by_role("button", name="接待")).to_be_hidden()
    await tab.get_by_role("tab", name="我的").click()


async def test_transfer_to_an_agent_and_a_team_with_a_note(
    http, client, owen, alice, bob, chromium, server_url
):
    made = await client.as_(owen).post("/api/v1/teams", json={"name": "售后组"})
    assert made.status_code in (200, 201), made.text
    shopper = await Shopper.start(http)
    await shopper.say("羽绒服洗了一次就掉毛，能退吗？")
    async for alice_tab in open_workspace(chromium, server_url, alice):
        async for bob_tab in open_workspace(chromium, server_url, bob):
            await bob_tab.get_by_role("tab", name="我的").click()
            await expect(bob_tab.locator(".ws-item")).to_have_count(0)
            await take(alice_tab, "掉毛")

            await alice_tab.get_by_role("button", name="转接").click()
            dialog = alice_tab.get_by_role("dialog", name="转接会话")
            await dialog.get_by_label("客服", exact=True).select_option(label="Bob")
            await dialog.get_by_label("团队", exact=True).select_option(label="售后组")
            await dialog.get_by_label("给接手客服的备注").fill("顾客要退货，已确认订单，请跟进退款")
            await dialog.get_by_role("button", name="转接").click()

            await expect(alice_tab.locator(".ws-item")).to_have_count(0)
            await bob_tab.locator(".ws-item").click()  # the chat handed over, with its note inside
            messages = bob_tab.locator("#ws-messages")
            await expect(messages).to_contain_text("羽绒服洗了一次就掉毛，能退吗？")
            await expect(messages.locator(".kind-note")).to_contain_text(
                "顾客要退货，已确认订单，请跟进退款"
            )
    moved = await client.as_(bob).get(f"/api/v1/conversations/{shopper.conversation_id}")
    assert (moved.json()["assigned_agent_id"], moved.json()["team_id"]) == (
        bob.agent_id,
        made.json()["id"],
    )
    assert "请跟进退款" not in " ".join(await shopper.read())  # the note is internal


async def test_snooze_until_the_shopper_writes_again(http, alice_tab: Page):
    shopper = await Shopper.start(http)
    await shopper.say("我先去量一下尺寸，等会儿再来")
    await take(alice_tab, "量一下尺寸")
    item = alice_tab.locator(".ws-item").filter(has_text="量一下尺寸")
    await expect(item).to_have_count(1)

    await alice_tab.get_by_role("button", name="稍后处理").click()
    dialog = alice_tab.get_by_role("dialog", name="稍后处理，直到")
    tomorrow = datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)
    await dialog.get_by_label("时间").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    await dialog.get_by_role("button", name="稍后处理").click()
    await expect(item).to_have_count(0)

    await alice_tab.locator("#ws-status").select_option("snoozed")
    await expect(item).to_have_count(1)
    await alice_tab.locator("#ws-status").select_option("")
    await expect(item).to_have_count(0)

    await shopper.say("量好了，胸围 92")
    back = alice_tab.locator(".ws-item").filter(has_text="量好了，胸围 92")
    await expect(back).to_have_count(1)
    await expect(back.locator(".badge").first).to_have_text("进行中")


async def test_close_with_a_summary_and_a_disposition(http, client, alice, alice_tab: Page):
    shopper = await Shopper.start(http)
    await shopper.say("订单 E2026112500123 可以退款吗？")
    await take(alice_tab, "可以退款吗")

    await alice_tab.get_by_role("button", name="结束会话").click()
    dialog = alice_tab.get_by_role("dialog", name="结束会话")
    await dialog.get_by_label("记录总结").fill("顾客申请退款，已按七天无理由办理")
    await dialog.get_by_label("处理结果").select_option(label="已退款")
    await dialog.get_by_role("button", name="结束会话").click()
    await expect(alice_tab.get_by_role("button", name="接待")).to_be_hidden()
    await expect(alice_tab.locator("#ws-sub .badge")).to_have_text("已结束")

    closed = await client.as_(alice).get(f"/api/v1/conversations/{shopper.conversation_id}")
    assert closed.json()["status"] == "closed"
    assert (closed.json()["summary"], closed.json()["disposition"]) == (
        "顾客申请退款，已按七天无理由办理",
        "refunded",
    )


async def test_a_refusal_is_shown_in_the_page_in_chinese(http, client, owen, bob, alice_tab: Page):
    native: list[str] = []
    alice_tab.on("dialog", lambda d: native.append(d.message))
    shopper = await Shopper.start(http)
    await shopper.say("请问这款有现货吗？")
    await take(alice_tab, "有现货吗")
    # Bob leaves the shop while Alice's page still offers him.
    left = await client.as_(owen).post(f"/api/v1/agents/{bob.agent_id}/deactivate")
    assert left.status_code == 200, left.text

    await alice_tab.get_by_role("button", name="转接").click()
    dialog = alice_tab.get_by_role("dialog", name="转接会话")
    await dialog.get_by_label("客服", exact=True).select_option(label="Bob")
    await dialog.get_by_role("button", name="转接").click()

    problem = alice_tab.get_by_role("alert")
    await expect(problem).to_contain_text("Bob 已不在本店任职，请选择其他客服。")
    await problem.get_by_role("button", name="知道了").click()
    await expect(problem).to_be_hidden()
    assert native == []


async def test_a_shopper_message_elsewhere_brings_a_notification_and_a_chime(
    http, chromium, server_url, alice
):
    first = await Shopper.start(http)
    await first.say("在吗？我想改收货地址")
    other = await Shopper.start(http)
    await other.say("你好")
    async for tab in open_workspace(chromium, server_url, alice, permissions=["notifications"]):
        await tab.add_init_script(RECORD_ALERTS)
        await tab.reload()
        await expect(tab.locator("#ws-live")).to_have_text("实时")
        await tab.get_by_role("tab", name="待分配").click()
        await tab.locator(".ws-item").filter(has_text="改收货地址").click()
        await expect(tab.locator("#ws-messages")).to_contain_text("改收货地址")

        await first.say("新地址是上海市浦东新区")  # on screen: no need to call her
        await expect(tab.locator("#ws-messages")).to_contain_text("浦东新区")
        await other.say("这件衣服还有XL码吗？")  # another conversation: tell her
        await expect(tab.locator(".ws-item").filter(has_text="XL码")).to_have_count(1)

        notifications = await tab.evaluate("window.__notifications")
        assert notifications == [{"title": "新消息", "body": "这件衣服还有XL码吗？"}]
        assert await tab.evaluate("window.__tones") == 1


async def test_keyboard_shortcuts(http, alice_tab: Page):
    for question in ("第一位顾客：能开发票吗？", "第二位顾客：几天能到？"):
        shopper = await Shopper.start(http)
        await shopper.say(question)
    await alice_tab.get_by_role("tab", name="待分配").click()
    items = alice_tab.locator(".ws-item")
    await expect(items).to_have_count(2)
    await items.first.click()
    await expect(items.first).to_have_attribute("aria-current", "true")

    await alice_tab.keyboard.press("Alt+ArrowDown")
    await expect(items.nth(1)).to_have_attribute("aria-current", "true")
    await expect(alice_tab.locator("#ws-messages")).to_contain_text("第一位顾客")
    await alice_tab.keyboard.press("Alt+ArrowUp")
    await expect(items.first).to_have_attribute("aria-current", "true")
    await expect(alice_tab.locator("#ws-messages")).to_contain_text("第二位顾客")

    await alice_tab.keyboard.press("Control+K")
    await expect(alice_tab.get_by_role("searchbox", name="搜索消息")).to_be_focused()
    await alice_tab.keyboard.type("发票")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("能开发票吗")
