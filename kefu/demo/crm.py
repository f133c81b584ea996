"""The demo shop's customer relationships: weekly RFM snapshots over the last two months
(so the page has sizes over time and moves), a finished A/B campaign to the sleeping
customers two weeks ago whose conversions are visible, and lifecycle journeys
(kefu.demo.journeys).

The campaign is launched as of two weeks before the anchor day through the ordinary
actions, then some recipients order within a few days — more of them for variant B, so
the results page has a difference to show — and those orders wake them: the later
snapshots show them moving from 沉睡 to other segments. A refresh finds the campaign
by name and changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.shop_data import do_upsert_orders
from kefu.crm.campaigns import do_create_campaign, do_launch
from kefu.crm.shop_rfm import write_snapshot
from kefu.demo.journeys import seed_journeys
from kefu.demo.records import SHANGHAI, products
from kefu.models import Campaign, CampaignMessage, Customer
from kefu.queries.shops import get_shop

CAMPAIGN_NAME = "沉睡客户唤醒（演示）"
SNAPSHOT_DAYS_AGO = (56, 49, 42, 35, 28, 21, 14, 7, 0)
LAUNCH_DAYS_AGO = 13  # the morning after the snapshot of 14 days ago
CONVERSION_RATE = {"A": 0.15, "B": 0.35}  # what the demo's recipients do, per variant
VARIANTS = [
    {
        "name": "A",
        "text": "亲爱的{客户昵称}，好久不见～{店铺名}送您满199减30的回归券，7天内有效哦！",
    },
    {
        "name": "B",
        "text": "{客户昵称}，您上次买的宝贝该补货啦～新品已到店，老客专享9折，回复即可领取～",
    },
]
SEED = 20261202


async def _snapshots(session: AsyncSession, actor: Actor, days: list[date]) -> None:
    shop = await get_shop(session, actor)
    for day in days:
        await write_snapshot(session, shop, day)


def _conversion_orders(
    launched_at: datetime, sent: list[tuple[CampaignMessage, Customer]]
) -> list[dict[str, Any]]:
    """Orders of some recipients within 1–6 days of the message (deterministic)."""
    rng = random.Random(SEED)
    catalog = products()
    records = []
    for message, customer in sent:
        if rng.random() >= CONVERSION_RATE.get(message.variant, 0):
            continue
        item = rng.choice(catalog)
        placed = launched_at + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 10))
        records.append(
            {
                "external_id": f"HD{placed.astimezone(SHANGHAI):%Y%m%d}{message.id:05d}",
                "customer_external_id": customer.external_id,
                "status": "completed",
                "currency": "CNY",
                "placed_at": placed,
                "paid_at": placed + timedelta(minutes=rng.randint(1, 20)),
                "lines": [
                    {
                        "sku": item["sku"],
                        "title": item["title"],
                        "quantity": 1,
                        "unit_price_cents": item["price_cents"],
                        "product_external_id": item["external_id"],
                    }
                ],
            }
        )
    return records


async def _campaign(session: AsyncSession, actor: Actor, anchor: date) -> None:
    launched_at = datetime.combine(
        anchor - timedelta(days=LAUNCH_DAYS_AGO), time(10, 0), SHANGHAI
    ).astimezone(UTC)
    campaign = await do_create_campaign(
        session, actor, name=CAMPAIGN_NAME, channel="widget", variants=VARIANTS, segment="sleeping"
    )
    await do_launch(session, actor, campaign.id, launched_at)
    sent = (
        await session.execute(
            select(CampaignMessage, Customer)
            .join(Customer, Customer.id == CampaignMessage.customer_id)
            .where(CampaignMessage.campaign_id == campaign.id)
            .order_by(CampaignMessage.id)
        )
    ).all()
    orders = _conversion_orders(launched_at, [(m, c) for m, c in sent])
    if orders:
        await do_upsert_orders(session, actor, orders)


async def seed_crm(session: AsyncSession, actor: Actor, anchor: date) -> None:
    """Snapshots up to two weeks ago, the campaign (first build only), the later ones."""
    days = [anchor - timedelta(days=n) for n in SNAPSHOT_DAYS_AGO]
    before = [d for d in days if d <= anchor - timedelta(days=LAUNCH_DAYS_AGO + 1)]
    await _snapshots(session, actor, before)
    exists = await session.scalar(
        select(Campaign.id).where(Campaign.shop_id == actor.shop_id, Campaign.name == CAMPAIGN_NAME)
    )
    if exists is None:
        await _campaign(session, actor, anchor)
    await _snapshots(session, actor, [d for d in days if d not in before])
    await seed_journeys(session, actor, anchor)
