"""A shopper's e-mail in the agent workspace, in Chromium against a real server: the
subject above the text, the attachment as a link the agent's login downloads, and a
hostile subject or file name shown as text."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from kefu.actions.mail import do_receive_mail
from kefu.lib.mail import read_mail
from kefu.models import Mailbox
from kefu.models.base import utcnow
from tests.browser.test_pages_in_chromium import sign_in
from tests.channels.test_email_settings import SETTINGS

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.__xss=1">'


async def receive(sessionmaker, raw: bytes) -> None:
    """What the worker does with a fetched mail."""
    async with sessionmaker() as session:
        mailbox = await session.scalar(select(Mailbox))
        received = read_mail(raw, own_address=mailbox.from_address, max_attachment=10_000)
        await do_receive_mail(session, mailbox, received, uid_validity=1, uid=1, now=utcnow())
        await session.commit()


async def test_an_agent_reads_a_shoppers_mail_and_opens_its_photo(
    page: Page, server_url, client, sessionmaker, owen, alice
):
    assert (await client.as_(owen).put("/api/v1/email-settings", json=SETTINGS)).is_success
    mail = EmailMessage()
    mail["From"] = "小明 <xiaoming@shopper.test>"
    mail["Subject"] = f"杯子碎了 {HOSTILE}"
    mail.set_content("收到时杯子就碎了，照片见附件。")
    mail.add_attachment(b"\x89PNG photo", maintype="image", subtype="png", filename="碎片.png")
    mail.add_attachment(b"x", maintype="text", subtype="plain", filename=f"{HOSTILE}.txt")
    await receive(sessionmaker, bytes(mail))

    await sign_in(page, alice.email, alice.password)
    await page.goto("/workspace")
    await page.get_by_role("tab", name="待分配").click()
    await page.locator(".ws-item").filter(has_text="小明").click()
    bubble = page.locator(".ws-msg.in .ws-bubble")
    await expect(bubble.locator(".ws-mail-subject")).to_have_text(f"杯子碎了 {HOSTILE}")
    await expect(bubble.locator(".ws-text")).to_have_text("收到时杯子就碎了，照片见附件。")
    photo = bubble.get_by_role("link", name="碎片.png")
    href = await photo.get_attribute("href")
    assert href is not None and href.startswith("/api/v1/mail-attachments/")
    await expect(bubble.get_by_role("link", name=f"{HOSTILE}.txt")).to_be_visible()
    downloaded = await page.request.get(href)
    assert downloaded.ok and await downloaded.body() == b"\x89PNG photo"
    assert await page.evaluate("window.__xss") is None
