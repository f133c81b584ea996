"""/quality in Chromium against a real server: the agent finds the supervisor's coaching
note among her notes, opens the scorecard and acknowledges it with an answer; her weekly
average is drawn as a sparkline."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.api.test_scorecards import CARDS, closed_conversation
from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser


async def test_an_agent_acknowledges_her_coaching_note(
    page: Page, client, sessionmaker, alice, carol
):
    await closed_conversation(client, sessionmaker, alice, ["有"])
    card_id = (await client.as_(alice).get(CARDS)).json()["items"][0]["id"]
    coached = await client.as_(carol).post(
        f"{CARDS}/{card_id}/coaching",
        json={"body": "首句先问候：您好，很高兴为您服务", "focus": ["greeting"]},
    )
    assert coached.status_code == 201, coached.text

    await sign_in(page, alice.email, alice.password)
    await page.goto("/quality")
    notes = page.locator("#coaching-notes")
    await expect(notes).to_contain_text("首句先问候")
    await expect(notes).to_contain_text("尚未确认")
    await expect(page.locator("#trends-agent polyline")).to_have_count(1)

    await notes.get_by_role("link", name=f"#{card_id}").click()
    await expect(page.locator("#coaching")).to_contain_text("问候")
    await page.get_by_label("您的回复（可选）").fill("收到，下次先问候")
    await page.get_by_role("button", name="确认已读").click()
    await expect(page.locator("#coaching")).to_contain_text("收到，下次先问候")
    await expect(page.locator("#coaching")).to_contain_text("已于")
    await expect(page.get_by_role("button", name="确认已读")).to_have_count(0)
