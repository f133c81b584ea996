"""The demo shop's lifecycle journeys, from the seeds' touchpoints (收货后：使用指南 +
个性化关怀; a review invitation; 生日 专属权益 for core customers; recalling sleeping
customers): created 30 days before the demo's day and run a day at a time through the
worker's own round, so each step shows what it sent and converted. A refresh finds the
journeys by name and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.crm.journey_runs import run_journey
from kefu.crm.journeys import do_create_journey
from kefu.demo.records import SHANGHAI
from kefu.models import Journey
from kefu.queries.shops import get_shop

DAYS = 30
JOURNEYS: list[dict[str, Any]] = [
    {
        "name": "签收关怀（演示）",
        "trigger": "delivered",
        "steps": [
            {
                "delay_days": 3,
                "channel": "widget",
                "template": "{客户昵称}您好，您的{商品名}收到几天啦，用得还顺手吗？"
                "第一次使用前建议先清洗一遍，有任何问题随时找我们哦～",
            },
            {
                "delay_days": 7,
                "channel": "widget",
                "template": "{客户昵称}，{商品名}已经陪伴您一周啦～满意的话麻烦抽空给个评价，"
                "您的反馈对我们很重要（订单{订单号}）",
            },
        ],
    },
    {
        "name": "生日祝福（演示）",
        "trigger": "birthday",
        "steps": [
            {
                "delay_days": 0,
                "channel": "widget",
                "template": "{客户昵称}生日快乐！{店铺名}为您准备了一份生日专属礼券，"
                "本周下单立减20元，祝您天天开心～",
            }
        ],
    },
    {
        "name": "沉睡召回（演示）",
        "trigger": "lapsed",
        "lapse_days": 60,
        "steps": [
            {
                "delay_days": 0,
                "channel": "widget",
                "template": "{客户昵称}，好久不见～上次的{商品名}用完了吗？"
                "{店铺名}为老朋友准备了回归小礼，回复即可领取～",
            }
        ],
    },
]


async def seed_journeys(session: AsyncSession, actor: Actor, anchor: date) -> None:
    """The journeys, started 30 days ago and run each day at 10:00 up to the shop's
    creation (first build only)."""
    names = [journey["name"] for journey in JOURNEYS]
    found = await session.scalar(
        select(Journey.id).where(Journey.shop_id == actor.shop_id, Journey.name.in_(names))
    )
    if found is not None:
        return
    start = datetime.combine(anchor - timedelta(days=DAYS), time.min, SHANGHAI)
    journeys = [await do_create_journey(session, actor, start, **j) for j in JOURNEYS]
    end = (await get_shop(session, actor)).created_at
    runs = [datetime.combine(anchor - timedelta(days=n), time(10), SHANGHAI) for n in range(DAYS)]
    seen = start
    for now in [at for at in runs if seen < at < end] + [end]:
        for journey in journeys:
            await run_journey(session, journey.id, seen, now)
        seen = now
