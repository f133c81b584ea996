"""A person using Kefu in Chromium: sign in, switch language (it follows them to another
browser), add an agent, read tracking."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser


async def sign_in(page: Page, email: str, password: str, landing: str = "概览") -> None:
    """Sign in on the (Chinese) login page; ``landing`` is the overview's heading after."""
    await page.goto("/login")
    await page.get_by_label("邮箱").fill(email)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name=landing)).to_be_visible()


async def test_sign_in_and_sign_out(page: Page, owen):
    await sign_in(page, owen.email, owen.password)
    await expect(page.locator(".shop-switch summary")).to_contain_text("Acme 旗舰店")
    await page.locator(".user-menu summary").click()
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.get_by_role("heading", name="登录")).to_be_visible()


async def test_switch_language_to_english_and_back(page: Page, owen, chromium, server_url):
    await sign_in(page, owen.email, owen.password)
    await page.locator(".lang-switch summary").click()
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    await expect(page.get_by_role("link", name="Orders")).to_be_visible()
    other_browser = await chromium.new_context(base_url=server_url, locale="zh-CN")
    try:
        elsewhere = await other_browser.new_page()
        await sign_in(elsewhere, owen.email, owen.password, landing="Overview")
    finally:
        await other_browser.close()
    await page.goto("/settings/agents")
    await expect(page.get_by_role("link", name="Add agent")).to_be_visible()
    await page.locator(".lang-switch summary").click()
    await page.get_by_role("link", name="简体中文").click()
    await expect(page.get_by_role("link", name="添加客服")).to_be_visible()


async def test_owner_adds_an_agent_through_settings(page: Page, owen):
    await sign_in(page, owen.email, owen.password)
    await page.get_by_role("link", name="设置").click()
    tabs = page.get_by_role("navigation", name="设置")
    await tabs.get_by_role("link", name="客服", exact=True).click()
    await page.get_by_role("link", name="添加客服").click()
    await page.get_by_label("邮箱", exact=True).fill("zhao.lei@acme.example")
    await page.get_by_label("初始密码").fill("欢迎加入-2026")
    await page.get_by_label("对客户显示的名称").fill("赵磊")
    await page.get_by_label("级别").select_option("senior")
    await page.get_by_label("售后").check()
    await page.get_by_role("button", name="添加客服").click()
    await expect(page.get_by_text("客服已添加。")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="赵磊")
    await expect(row).to_contain_text("zhao.lei@acme.example")
    await expect(row).to_contain_text("高级")
    await expect(row).to_contain_text("售后")


async def test_order_page_shows_the_tracking_timeline(page: Page, owen, acme_order):
    await sign_in(page, owen.email, owen.password)
    await page.get_by_role("link", name="订单", exact=True).click()
    await page.get_by_role("link", name="2026110100001").first.click()
    timeline = page.get_by_role("list", name="物流轨迹")
    await expect(timeline.get_by_role("listitem")).to_have_count(2)
    await expect(timeline.get_by_role("listitem").first).to_contain_text("快件已到达上海转运中心")
    await expect(timeline.get_by_role("listitem").first).to_contain_text("2026-11-02 09:15")
    await expect(page.get_by_text("顺丰速运")).to_be_visible()
