"""A supervisor opens the report analysis in Chromium: ECharts draws the forecast under
the page's Content-Security-Policy, and a shopper's message holding a script tag shows as
the text it is among the rising topic's examples."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_pages_in_chromium import sign_in
from tests.reports.analysis_seed import SCRIPT, acme_history  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("acme_history")
async def test_the_analysis_page_draws_the_forecast_and_escapes_shoppers(page: Page, carol):
    await sign_in(page, carol.email, carol.password)
    await page.goto("/reports/analysis?end=2026-11-29")
    await expect(page.get_by_role("heading", name="报表分析")).to_be_visible()
    chart = page.locator("#ra-forecast-chart")
    await expect(chart).to_have_attribute("data-ready", "true")
    await expect(chart.locator("canvas").first).to_be_visible()
    backtest = page.get_by_role("table", name="回测误差")
    naive = backtest.get_by_role("row").filter(has_text="季节朴素基线")
    await expect(naive).to_contain_text("0.00")

    zipper = page.locator("#ra-topics tbody tr").first
    await expect(zipper).to_contain_text("拉链")
    await expect(zipper.locator(".ra-example").filter(has_text="document.title")).to_have_text(
        SCRIPT
    )
    assert await page.locator("#ra-topics script").count() == 0
    assert await page.title() != "pwned"
    await expect(page.locator("#ra-intents")).to_contain_text("presale.bargain")
    await page.screenshot(path="/tmp/report-analysis.png", full_page=True)
