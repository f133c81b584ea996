"""The composer warns while the agent types, in Chromium against a real server: "这都不懂吗"
is marked with its reason and a rewrite, one click puts the rewrite in the composer, and
the rewrite reaches the shopper. A code the shop blocks disables Send with the reason."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_workspace_in_chromium import open_new_chat

pytestmark = pytest.mark.browser
QUESTION = "请问怎么下单呀？第一次买"
REWRITE = "可能是我没讲清楚，我再详细说明一下～"


async def test_agent_sees_the_warning_and_sends_the_rewrite(page: Page, server_url, alice):
    async with httpx.AsyncClient(base_url=server_url) as http:
        shopper = await open_new_chat(page, http, alice, QUESTION)
        composer = page.get_by_role("textbox", name="消息")
        await composer.press_sequentially("这都不懂吗")

        check = page.get_by_role("region", name="回复检查")
        await expect(check).to_be_visible()
        await expect(check).to_contain_text("这条回复可能让顾客不舒服")
        await expect(check.locator("mark")).to_have_text("这都不懂")
        await expect(check.locator(".ws-finding")).to_contain_text("蔑视语")
        await expect(check.locator(".ws-rewrite-text")).to_have_text(REWRITE)
        await expect(page.get_by_role("button", name="发送")).to_be_enabled()

        await check.get_by_role("button", name="使用改写").click()
        await expect(composer).to_have_value(REWRITE)
        await expect(check).to_be_hidden()  # the rewrite was checked again: nothing to say
        await composer.press("Enter")
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_contain_text(REWRITE)
        await expect(composer).to_have_value("")
        assert (await shopper.read())[0] == REWRITE


async def test_a_blocking_code_disables_send_until_the_reply_is_rephrased(
    page: Page, server_url, client, owen, alice
):
    blocked = await client.as_(owen).patch("/api/v1/shop/quality", json={"blocking": ["contempt"]})
    assert blocked.status_code == 200, blocked.text
    async with httpx.AsyncClient(base_url=server_url) as http:
        shopper = await open_new_chat(page, http, alice, QUESTION)
        composer = page.get_by_role("textbox", name="消息")
        await composer.press_sequentially("<b>这都不懂吗</b>")

        check = page.get_by_role("region", name="回复检查")
        await expect(check).to_contain_text("本店不允许发送这条回复")
        send = page.get_by_role("button", name="发送")
        await expect(send).to_be_disabled()
        await expect(send).to_have_attribute("title", "本店不允许发送这条回复: 蔑视语")
        await expect(check.locator(".ws-quality-marked")).to_have_text("<b>这都不懂吗</b>")
        await composer.press("Enter")
        await expect(page.locator("#ws-problem")).to_contain_text("本店不允许发送这条回复")
        assert await page.locator(".ws-msg.out").count() == 0

        await check.get_by_role("button", name="使用改写").click()
        await expect(send).to_be_enabled()
        await send.click()
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_contain_text("可能是我没讲清楚")
        assert (await shopper.read())[0] == REWRITE  # the flagged clause replaced, tags and all
