"""Agent growth in Chromium: a supervisor opens an agent's growth page and sees the weekly
trend chart drawn, the level assessment and a training record; the agent opening a
colleague's page is refused."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from kefu.models.reports import ReportKind as K
from tests.browser.test_pages_in_chromium import sign_in
from tests.reports.test_growth import record_agent_facts

pytestmark = pytest.mark.browser


async def _two_weeks_of_replies(sessionmaker, persona) -> None:
    """First responses of 40 s two weeks ago and 20 s three days ago, with ratings."""
    for days, seconds in ((14, 40), (3, 20)):
        facts = [(K.FIRST_RESPONSE, seconds), (K.RATING, 5), (K.RATING_GOOD, 0)]
        await record_agent_facts(sessionmaker, persona, facts, days_ago=days)


async def test_a_supervisor_reads_an_agents_growth(
    page: Page, chromium, server_url, client, sessionmaker, carol, alice, bob
):
    await _two_weeks_of_replies(sessionmaker, alice)
    training = {
        "title": "导师带教：差评挽回话术",
        "kind": "mentoring",
        "held_on": "2026-11-20",
        "hours": 2,
    }
    created = await client.as_(carol).post(
        f"/api/v1/agents/{alice.agent_id}/trainings", json=training
    )
    assert created.status_code == 201, created.text

    await sign_in(page, carol.email, carol.password)
    await page.get_by_role("link", name="客服成长").click()
    await page.get_by_role("link", name="Alice").click()
    await expect(page.get_by_role("heading", name="Alice 的成长")).to_be_visible()
    chart = page.locator("#growth-chart")
    await expect(chart).to_have_attribute("data-ready", "1")
    await expect(chart.locator("canvas").first).to_be_visible()
    assessment = page.locator("#assessment-table")
    await expect(assessment.locator("tr[data-code='first_response_seconds']")).to_contain_text(
        "30 秒"
    )
    await expect(page.locator("#eligibility")).to_have_text("暂未符合晋升条件")
    await expect(page.locator("#trainings")).to_contain_text("导师带教：差评挽回话术")
    await expect(page.locator("#trainings")).to_contain_text("导师带教")

    context = await chromium.new_context(base_url=server_url, locale="zh-CN")
    try:
        colleague = await context.new_page()
        await sign_in(colleague, alice.email, alice.password)
        refused = await colleague.goto(f"/agents/{bob.agent_id}/growth")
        assert refused is not None and refused.status == 403
        own = await colleague.goto(f"/agents/{alice.agent_id}/growth")
        assert own is not None and own.status == 200
    finally:
        await context.close()
