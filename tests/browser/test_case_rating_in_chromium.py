"""Rating a finished case in the widget, in Chromium against a real server in demo mode: the
shopper signed in to the demo store opens 申请售后, finds her resolved case, taps four
stars, writes a comment and sends it; the panel then shows the rating given, and the case
holds it (with the agent who resolved it)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from kefu.access import Actor
from kefu.actions.cases import do_open_case, do_transition_case
from kefu.models import CaseRating, Customer, RatingChannel

pytestmark = pytest.mark.browser
WAIT = 30_000  # ms: the first request of a server process is slow on a loaded machine
SHOPPER_ID = "C00001"


@pytest.fixture
async def resolved_case(sessionmaker, built_demo) -> int:
    """A case of the demo's signed-in shopper, resolved by the shop."""
    summary = built_demo
    async with sessionmaker() as session:
        customer = await session.scalar(
            select(Customer.id).where(
                Customer.shop_id == summary.shop_id, Customer.external_id == SHOPPER_ID
            )
        )
        shop = Actor.system(summary.shop_id, "rating test")
        case = await do_open_case(
            session, shop, type="consultation", title="发票抬头开错了", customer_id=customer
        )
        for status in ("accepted", "resolved"):
            await do_transition_case(session, shop, case.id, status)
        await session.commit()
        return case.id


async def test_the_shopper_rates_her_resolved_case_in_the_widget(
    resolved_case: int, demo_shopper: Page, sessionmaker
):
    await demo_shopper.goto(f"/demo/store?customer={SHOPPER_ID}")
    await demo_shopper.get_by_role("button", name="联系客服").click()
    chat = demo_shopper.locator("#kefu-widget")
    await chat.get_by_role("button", name="申请售后").click()
    case = chat.locator(f'[data-case="{resolved_case}"]')
    await expect(case).to_contain_text("发票抬头开错了", timeout=WAIT)
    await expect(case).to_contain_text("已解决")
    await expect(case).to_contain_text("对本次售后处理满意吗？请评分")

    await case.get_by_role("button", name="满意", exact=True).click()
    await case.get_by_role("textbox", name="说说您的感受（选填）").fill("处理很快，谢谢")
    await case.get_by_role("button", name="提交评价").click()
    await expect(case).to_contain_text("您的评价：★★★★☆", timeout=WAIT)
    await expect(case.get_by_role("button", name="提交评价")).to_have_count(0)

    async with sessionmaker() as session:
        [rating] = (await session.scalars(select(CaseRating))).all()
    assert (rating.case_id, rating.rating, rating.comment) == (resolved_case, 4, "处理很快，谢谢")
    assert rating.channel is RatingChannel.WIDGET

    # Opened again later, the panel shows the rating instead of the stars.
    await demo_shopper.reload()
    await demo_shopper.get_by_role("button", name="联系客服").click()
    await chat.get_by_role("button", name="申请售后").click()
    await expect(case).to_contain_text("您的评价：★★★★☆", timeout=WAIT)
