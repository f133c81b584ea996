"""AI 润色 and AI 起草 in Chromium against a real server configured for a fake
OpenAI-compatible API on loopback: the agent's draft goes out, the polished text comes
back into the composer to be read and sent; a drafted reply fills the empty composer and
is sent by nobody but the agent; when the API is busy the agent is told so and keeps
what they had."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import page_at, served
from tests.browser.test_composer_quality_in_chromium import QUESTION
from tests.browser.test_workspace_in_chromium import open_new_chat
from tests.knowledge.fake_llm import KEY, POLISHED, FakeLlm, fake_llm_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLlm]:
    with fake_llm_server() as fake:
        yield fake


@pytest.fixture(scope="module")
def llm_server_url(settings, llm) -> Iterator[str]:
    env = {"KEFU_LLM_BASE_URL": llm.url, "KEFU_LLM_API_KEY": KEY, "KEFU_LLM_MODEL": "qwen-test"}
    with served(settings, **env) as url:
        yield url


@pytest.fixture
async def page(chromium, llm_server_url) -> AsyncIterator[Page]:
    async with page_at(chromium, llm_server_url) as tab:
        yield tab


async def test_the_agent_polishes_a_draft_and_sends_it(page: Page, llm_server_url, llm, alice):
    llm.mode = "ok"
    async with httpx.AsyncClient(base_url=llm_server_url) as http:
        shopper = await open_new_chat(page, http, alice, QUESTION)
        composer = page.get_by_role("textbox", name="消息")
        await composer.fill("明天到，等着")
        await page.get_by_role("button", name="AI 润色").click()
        await expect(composer).to_have_value(POLISHED)
        sent = llm.requests[-1]["body"]["messages"][1]["content"]
        assert "明天到，等着" in sent and "请问怎么下单呀" in sent
        await composer.press("Enter")
        await expect(page.locator(".ws-msg.out:not(.pending)")).to_contain_text(POLISHED)
        assert (await shopper.read())[0] == POLISHED

        llm.mode = "busy"
        await composer.fill("好的")
        await page.get_by_role("button", name="AI 润色").click()
        await expect(page.locator("#ws-problem")).to_contain_text("AI 助手繁忙")
        await expect(composer).to_have_value("好的")
        await expect(page.get_by_role("button", name="AI 润色")).to_be_enabled()


async def test_the_agent_has_a_reply_drafted_and_nothing_is_sent(
    page: Page, llm_server_url, llm, alice
):
    llm.mode = "ok"
    async with httpx.AsyncClient(base_url=llm_server_url) as http:
        shopper = await open_new_chat(page, http, alice, QUESTION)
        composer = page.get_by_role("textbox", name="消息")
        await page.get_by_role("button", name="AI 起草").click()
        await expect(composer).to_have_value(POLISHED)
        sent = llm.requests[-1]["body"]["messages"][1]["content"]
        assert "顾客：请问怎么下单呀？第一次买" in sent
        # Only filled in: the shopper has their own message and nothing else.
        await expect(page.get_by_role("button", name="AI 起草")).to_be_enabled()
        assert await shopper.read() == ["请问怎么下单呀？第一次买"]
        await expect(page.locator(".ws-msg.out")).to_have_count(0)

        llm.mode = "busy"
        await composer.fill("")
        await page.get_by_role("button", name="AI 起草").click()
        await expect(page.locator("#ws-problem")).to_contain_text("AI 助手繁忙")
        await expect(composer).to_have_value("")
