"""A supervisor reads the reports in Chromium: picks the period, sees the conversion
figure in the funnel and the KPI cards (drawn by the page's script under our CSP), drills
down to the conversations behind it, opens one in the workspace, and exports the funnel
as XLSX, which opens with the same figures. An agent gets neither the link nor the page.

Figures: the two days of ``tests/reports/dashboard_data`` (funnel 6 → 4 → 4 → 3 → 3 → 1;
conversion 3 of 4 inquiries = 75.0 %)."""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.async_api import Page, expect

from tests.browser.test_pages_in_chromium import sign_in
from tests.reports.dashboard_data import seed_other_shop, seed_two_days

pytestmark = pytest.mark.browser


async def test_supervisor_drills_down_from_the_conversion_and_exports_xlsx(
    page: Page, sessionmaker, carol, alice, bob, mallory, tmp_path
):
    seeded = await seed_two_days(sessionmaker, alice, bob)
    await seed_other_shop(sessionmaker, mallory)
    await sign_in(page, carol.email, carol.password)
    await page.get_by_role("link", name="数据报表").click()
    await expect(page.get_by_role("heading", name="数据报表", exact=True)).to_be_visible()
    await page.get_by_label("从").fill("2026-11-02")
    await page.get_by_label("到").fill("2026-11-03")
    await page.get_by_role("button", name="查看").click()
    await expect(page.get_by_text("2026-11-02 至 2026-11-03")).to_be_visible()

    card = page.locator('.rp-kpi[data-kpi="conversion_rate"]')
    await expect(card).to_contain_text("询单转化率")
    await expect(card.locator(".stat-value")).to_have_text("75.0%")
    funnel = page.locator("#rp-funnel-rows tr")
    await expect(funnel).to_have_count(6)
    await expect(funnel.locator("td:nth-child(2)")).to_have_text(["6", "4", "4", "3", "3", "1"])
    order = page.locator('#rp-funnel-rows tr[data-step="order"]')
    await expect(order).to_contain_text("75.0%")
    await expect(page.locator("#rp-funnel-chart canvas")).to_have_count(1)
    await expect(page.locator("#rp-trend-chart canvas")).to_have_count(1)
    await expect(page.locator("#rp-queued")).to_have_text("1")
    await page.locator("#rp-trend-kpi").select_option("conversion_rate")
    trend_export = page.locator("#rp-export-trends-xlsx")
    await expect(trend_export).to_have_attribute("href", re.compile(r"kpi=conversion_rate"))

    await order.get_by_role("link", name="已下单").click()
    await expect(page.get_by_role("heading", name="询单成交")).to_be_visible()
    rows = page.locator("#rp-drill tbody tr")
    await expect(rows).to_have_count(3)
    ids = [await row.get_attribute("data-conversation") for row in await rows.all()]
    assert ids == [str(seeded.c4), str(seeded.c3), str(seeded.c1)]
    await expect(rows.nth(1)).to_contain_text("张伟")
    await expect(rows.nth(1)).to_contain_text("¥159.00")

    await rows.nth(1).get_by_role("link", name=f"打开 #{seeded.c3}").click()
    await expect(page).to_have_url(f"/workspace?conversation={seeded.c3}")
    await expect(page.locator("#ws-chat")).to_be_visible()

    await page.goto("/reports?start=2026-11-02&end=2026-11-03")
    await page.locator(".rp-export summary").click()
    async with page.expect_download() as download_info:
        await page.locator("#rp-export-funnel-xlsx").click()
    download = await download_info.value
    assert download.suggested_filename == "funnel_2026-11-02_2026-11-03.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = list(sheet.values)
    assert rows[0] == ("步骤", "数量", "环节转化率")
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("访问", 6),
        ("咨询", 4),
        ("询单", 4),
        ("已下单", 3),
        ("付款订单", 3),
        ("复购", 1),
    ]
    assert rows[4][2] == 0.75  # the conversion the page showed as 75.0 %


async def test_an_agent_has_no_reports(page: Page, alice):
    await sign_in(page, alice.email, alice.password)
    await expect(page.get_by_role("link", name="数据报表")).to_have_count(0)
    response = await page.goto("/reports")
    assert response is not None and response.status == 403
