"""The shopper turns red, in Chromium against a real server: the supervisor watching the
workspace gets the notice, the open conversation shows the red banner and a red dot in
the list, and the customer panel shows the emotional account at -3."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_composer_quality_in_chromium import QUESTION
from tests.browser.test_workspace_in_chromium import open_new_chat

pytestmark = pytest.mark.browser


async def test_a_red_shopper_raises_the_banner(page: Page, server_url, carol):
    async with httpx.AsyncClient(base_url=server_url) as http:
        # A supervisor watching every chat.
        shopper = await open_new_chat(page, http, carol, QUESTION)
        banner = page.locator("#ws-emotion-banner")
        await expect(banner).to_be_hidden()
        await expect(page.locator(".ws-item .ws-emotion-green")).to_have_count(1)

        await shopper.say("我要投诉！你们就是骗子")

        await expect(banner).to_be_visible()
        await expect(banner).to_contain_text("顾客情绪为红色")
        notice = page.locator("#ws-alert")
        await expect(notice).to_contain_text(f"会话 #{shopper.conversation_id} 的顾客情绪变红")
        await expect(page.locator(".ws-item .ws-emotion-red")).to_have_count(1)
        card = page.locator(".ws-emotion-card")
        await expect(card).to_contain_text("情感账户")
        await expect(card.locator(".ws-account .badge")).to_have_text("-3")
        await expect(card.locator(".ws-account-history")).to_contain_text("投诉")
