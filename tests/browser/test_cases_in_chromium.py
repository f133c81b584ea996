"""After-sales cases in Chromium: an agent filters the case list (HTMX), opens a case,
moves it along the workflow with the buttons offered, and sees the timeline."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_pages_in_chromium import sign_in
from tests.cases.conftest import open_case

pytestmark = pytest.mark.browser


async def test_an_agent_filters_opens_and_moves_a_case(page: Page, client, alice):
    await open_case(client, alice, type="complaint", title="快递员态度恶劣")
    await open_case(client, alice, type="consultation", title="发票怎么开")

    await sign_in(page, alice.email, alice.password)
    await page.get_by_role("link", name="售后工单").click()
    rows = page.locator("#results tbody tr")
    await expect(rows).to_have_count(2)
    await page.get_by_label("类型").select_option("complaint")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("快递员态度恶劣")
    await expect(page.locator("#list-actions a")).to_have_attribute(
        "href", "/cases/export.csv?type=complaint&assignee=all&sort=due"
    )

    await page.get_by_role("link", name="#1 快递员态度恶劣").click()
    await expect(page.get_by_role("heading", name="#1 快递员态度恶劣")).to_be_visible()
    await expect(page.get_by_role("button", name="已解决")).to_have_count(0)
    await page.get_by_label("备注（可选）").first.fill("已联系快递公司")
    await page.get_by_role("button", name="已受理").click()
    await expect(page.get_by_role("status")).to_contain_text("工单状态已变更")
    await expect(page.locator("h1 .badge")).to_have_text("已受理")
    await expect(page.locator("ol.timeline li").first).to_contain_text("已联系快递公司")
    await expect(page.get_by_role("button", name="处理中")).to_be_visible()
