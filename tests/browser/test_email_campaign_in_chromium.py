"""An e-mail campaign in Chromium against a real server: a supervisor creates it on the
customer-relationships page, the dry run says who has no address, the launch queues the
mails; the shopper opens the unsubscribe link of the mail and confirms, and is opted out."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select, update

from kefu.crm.unsubscribe import unsubscribe_url
from kefu.models import Customer, Mail
from tests.browser.test_pages_in_chromium import sign_in
from tests.channels.test_email_settings import SETTINGS
from tests.crm.shop_orders import seed_shop

pytestmark = pytest.mark.browser


async def test_a_supervisor_sends_an_email_campaign_and_a_shopper_unsubscribes(
    page: Page, client, sessionmaker, settings, owen, carol
):
    api = client.as_(owen)
    names = await seed_shop(api)
    await api.post("/api/v1/rfm/refresh", json={"day": "2026-03-21"})
    await api.patch("/api/v1/shop/crm-settings", json={"quiet_hours": None})
    assert (await api.put("/api/v1/email-settings", json=SETTINGS)).is_success
    async with sessionmaker() as session:  # 李雷 has an address, 赵敏 none
        await session.execute(
            update(Customer).where(Customer.id == names["李雷"]).values(email="lilei@shopper.test")
        )
        await session.commit()

    await sign_in(page, carol.email, carol.password)
    await page.goto("/crm")
    form = page.locator("#new-campaign")
    await form.locator("input[name=name]").fill("会员专享")
    await form.get_by_label("客户分层").select_option("")
    await form.get_by_label("或带有此标签的客户").fill("会员")
    await form.get_by_label("渠道").select_option(label="店铺邮箱发送的邮件")
    await form.get_by_label("文案（A 版）").fill("{客户昵称}，会员日全场九折")
    await form.get_by_role("button", name="创建并试算").click()
    await expect(page.get_by_role("heading", name="会员专享")).to_be_visible()
    await expect(page.locator("#dry-unreachable")).to_have_text("1")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="发送").click()
    await expect(page.get_by_text("活动已发送。")).to_be_visible()
    async with sessionmaker() as session:
        mails = (await session.scalars(select(Mail))).all()
    assert [(m.to_addresses, m.subject, m.text_body) for m in mails] == [
        (["lilei@shopper.test"], "会员专享", "雷哥，会员日全场九折")
    ]

    link = unsubscribe_url(settings.secret_key, "", owen.shop_id, names["李雷"])
    await page.goto(link)
    await expect(page.get_by_role("heading", name="退订")).to_be_visible()
    await page.get_by_role("button", name="退订").click()
    await expect(page.get_by_role("heading", name="您已退订")).to_be_visible()
    async with sessionmaker() as session:
        customer = await session.get_one(Customer, names["李雷"])
    assert customer.opted_out_at is not None
