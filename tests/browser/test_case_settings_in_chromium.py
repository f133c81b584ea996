"""Settings → 售后工单 in Chromium: a supervisor edits an SLA policy (a target and whom a
breach hands the case to), sees it saved, and sees a refusal next to the field."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_pages_in_chromium import sign_in

pytestmark = pytest.mark.browser


async def test_a_supervisor_edits_a_policy_and_sees_it_saved(page: Page, client, carol, bob):
    policy = {"case_type": "damaged", "first_response_minutes": 60, "resolve_minutes": 1440}
    created = await client.as_(carol).post("/api/v1/sla-policies", json=policy)
    assert created.status_code == 201, created.text

    await sign_in(page, carol.email, carol.password)
    await page.goto("/settings/cases")
    form = page.get_by_role("form", name="SLA 策略 1")
    await expect(form.get_by_label("工单类型")).to_have_value("damaged")
    await form.get_by_label("解决时限（工作分钟）").fill("720")
    await form.get_by_label("超时后转交给").select_option("agent")
    await form.get_by_label("指定客服").select_option(label="Bob")
    await form.get_by_role("button", name="保存策略").click()

    await expect(page.get_by_role("status")).to_contain_text("已保存 SLA 策略。")
    form = page.get_by_role("form", name="SLA 策略 1")
    await expect(form.get_by_label("解决时限（工作分钟）")).to_have_value("720")
    await expect(form.get_by_label("超时后转交给")).to_have_value("agent")
    await expect(form.get_by_label("指定客服")).to_have_value(str(bob.agent_id))
    saved = (await client.as_(carol).get("/api/v1/sla-policies")).json()
    assert saved[0]["resolve_minutes"] == 720 and saved[0]["reassign_agent_id"] == bob.agent_id

    await form.get_by_label("首次响应（工作分钟）").fill("900")
    await form.get_by_role("button", name="保存策略").click()
    form = page.get_by_role("form", name="SLA 策略 1")
    await expect(form.locator(".error")).to_contain_text("首次响应")
    await expect(form.get_by_label("首次响应（工作分钟）")).to_have_value("900")
    kept = (await client.as_(carol).get("/api/v1/sla-policies")).json()
    assert kept[0]["first_response_minutes"] == 60
