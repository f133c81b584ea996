"""The demo shop as ``kefu demo`` builds it: its FAQ is in, the bot is on after hours,
and at night a shopper asking 怎么退货 gets the answer at once."""

from __future__ import annotations

from kefu.access import Actor
from kefu.actions.shops import do_set_business_hours
from kefu.demo import staff
from kefu.demo.build import build_demo
from kefu.demo.faq import FAQ
from tests.chat.conftest import make_shopper
from tests.knowledge.conftest import say, shopper_sees
from tests.knowledge.test_bot_orders import signed_shopper


async def test_the_demo_bot_answers_at_night(client, sessionmaker, built_demo):
    summary = built_demo
    async with sessionmaker() as session:
        await do_set_business_hours(session, Actor.system(summary.shop_id, "test"), {})
        await session.commit()
    assert summary.counts["faq_entries"] == len(FAQ) >= 30
    shopper = await make_shopper(client, staff.SLUG)
    await say(client, shopper, "你好，怎么退货呀")
    answer = (await shopper_sees(client, shopper))[-1]
    assert answer["sender_kind"] == "bot"
    assert "7天无理由退货" in answer["body"]

    async with sessionmaker() as session:  # a refresh changes nothing
        again = await build_demo(session)
        await session.commit()
    assert again.counts["faq_entries"] == len(FAQ)


async def test_the_demo_shopper_asks_at_night_and_hears_her_parcel_is_stalled(
    client, sessionmaker, built_demo
):
    """芳芳 (C00001) of the demo has a parcel stuck at a hub for 5 days."""
    summary = built_demo
    async with sessionmaker() as session:
        await do_set_business_hours(session, Actor.system(summary.shop_id, "test"), {})
        await session.commit()
    fang = await signed_shopper(client, sessionmaker, summary.shop_id, "C00001", staff.SLUG)
    await say(client, fang, "我的快递到哪了")
    answer = (await shopper_sees(client, fang))[-1]
    assert answer["sender_kind"] == "bot", answer
    assert "天没有新的物流信息了" in answer["body"] and "我们已为您登记物流异常" in answer["body"]
    assert answer["payload"]["bot"]["case_opened"] is True
