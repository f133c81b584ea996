"""The FAQ bot in the widget at night, in Chromium against a real server in demo mode: a
shopper signed in to the demo store asks 怎么退货 and gets the demo FAQ's answer with her
nickname; a vaguer question offers "did you mean" buttons and a click gets that answer;
asking for a person shows the leave-a-message form, since nobody works at this hour; a
supervisor working late answers anyway, and the form gives way to the chat.

The demo shop is built by the same loader as ``kefu demo`` (bot on after hours); only its
opening hours are emptied so the test does not depend on the time of day."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from kefu.access import Actor
from kefu.actions.shops import do_set_business_hours
from kefu.models import Customer, Role, Shop
from tests.browser.conftest import staff, telling_what_it_shows
from tests.factories import Persona, make_person

pytestmark = pytest.mark.browser
WAIT = 30_000  # ms: the first answer of a server process loads jieba and the model
SHOPPER_ID = "C00001"


@pytest.fixture
async def closed_demo_shop(sessionmaker, built_demo) -> str:
    """The demo shop, closed all week; returns the signed-in shopper's nickname."""
    summary = built_demo
    async with sessionmaker() as session:
        await do_set_business_hours(session, Actor.system(summary.shop_id, "bot test"), {})
        await session.commit()
        return await session.scalar(
            select(Customer.nickname).where(
                Customer.shop_id == summary.shop_id, Customer.external_id == SHOPPER_ID
            )
        )


@pytest.fixture
async def late_supervisor(sessionmaker, built_demo) -> Persona:
    """A supervisor of the demo shop who never set herself online."""
    async with sessionmaker() as session:
        shop = await session.get_one(Shop, built_demo.shop_id)
        person = await make_person(session, shop, "carol", Role.SUPERVISOR)
        await session.commit()
        return person


async def _reply(server: str, person: Persona, body: str) -> None:
    """The supervisor answers the shop's one open conversation through the API."""
    async with staff(server, person) as agent:
        listed = await agent.get("/api/v1/conversations", params={"status": "open"})
        [conversation] = listed.json()["items"]
        sent = await agent.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            json={"client_id": str(uuid.uuid4()), "body": body},
        )
        assert sent.is_success, sent.text


async def _ask(chat, text: str) -> None:
    box = chat.get_by_role("textbox", name="输入消息")
    await box.fill(text)
    await box.press("Enter")


async def test_a_shopper_gets_answers_at_night_and_can_leave_a_message(
    closed_demo_shop: str, late_supervisor: Persona, demo_shopper: Page, demo_server: str
):
    await demo_shopper.goto(f"/demo/store?customer={SHOPPER_ID}")
    await demo_shopper.get_by_role("button", name="联系客服").click()
    chat = demo_shopper.locator("#kefu-widget")
    async with telling_what_it_shows(chat.locator(".msg")):
        await _ask(chat, "怎么退货")
        answer = chat.locator(".msg.theirs", has_text="本店支持7天无理由退货")
        await expect(answer).to_be_visible(timeout=WAIT)
        await expect(answer).to_contain_text(f"亲爱的{closed_demo_shop}")

        await _ask(chat, "可以开电子发票吗")
        choice = chat.get_by_role("button", name="能开发票吗")
        await expect(choice).to_be_visible(timeout=WAIT)
        await choice.click()
        await expect(chat.get_by_text("可以开具电子发票", exact=False)).to_be_visible(timeout=WAIT)

        await _ask(chat, "转人工")
        await expect(chat.get_by_text("现在是非工作时间", exact=False)).to_be_visible(timeout=WAIT)
        await expect(chat.locator("form.offline")).to_be_visible(timeout=WAIT)

        await _reply(demo_server, late_supervisor, "我还在，您说～")
        await expect(chat.locator(".msg.theirs", has_text="我还在，您说～")).to_be_visible()
        await expect(chat.locator("form.offline")).to_be_hidden()
        await expect(chat.get_by_role("textbox", name="输入消息")).to_be_visible()
