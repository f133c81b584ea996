"""``kefu demo --no-serve``: builds the demo shop, and refreshing it changes nothing."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from kefu.access import Actor
from kefu.actions.auth import do_login
from kefu.cli import app as cli
from kefu.crm.campaigns import variant_results
from kefu.crm.journeys import step_results
from kefu.models import (
    Agent,
    Campaign,
    CampaignMessage,
    Conversation,
    Journey,
    Order,
    OrderStatus,
    PhraseFolder,
    PhraseTest,
    PhraseUse,
    QuickPhrase,
    RfmSnapshot,
    Shipment,
    Shop,
    TrackingEvent,
)
from kefu.models.reports import ReportEvent
from kefu.queries.phrase_tests import phrase_test_results
from kefu.reports.overview import read_overview
from kefu.reports.periods import Period, shop_zone

COUNTED = (
    Order,
    QuickPhrase,
    PhraseTest,
    PhraseUse,
    Shipment,
    TrackingEvent,
    Agent,
    RfmSnapshot,
    Campaign,
    CampaignMessage,
    Conversation,
    Journey,
    ReportEvent,
)


def run_demo(database_url: str, data_dir: str) -> Result:
    env = {"KEFU_DATABASE_URL": database_url, "KEFU_DATA_DIR": data_dir, "KEFU_SECRET_KEY": None}
    return CliRunner().invoke(cli, ["demo", "--no-serve"], env=env)


async def shop_counts(session) -> dict[str, int]:
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    counts = {
        model.__tablename__: await session.scalar(
            select(func.count()).select_from(model).where(model.shop_id == shop_id)
        )
        for model in COUNTED
    }
    statuses = await session.execute(
        select(Order.status, func.count()).where(Order.shop_id == shop_id).group_by(Order.status)
    )
    return counts | {f"orders {status.value}": n for status, n in statuses}


async def check_segments_and_campaign(session) -> None:
    """Weekly snapshots over two months, and the finished campaign to the sleeping
    customers with conversions in its results."""
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    days = await session.scalars(
        select(RfmSnapshot.day).where(RfmSnapshot.shop_id == shop_id).distinct()
    )
    assert len(days.all()) == 9
    campaign = await session.scalar(select(Campaign).where(Campaign.shop_id == shop_id))
    assert campaign.segment == "sleeping" and campaign.status.value == "launched"
    results = await variant_results(session, campaign)
    assert [r.name for r in results] == ["A", "B"]
    assert all(r.sent for r in results) and sum(r.converted for r in results) > 0


async def check_journeys(session) -> None:
    """The three lifecycle journeys ran over the last 30 days: the delivery follow-up
    sent tips and review requests with the order's product filled in."""
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    journeys = (await session.scalars(select(Journey).where(Journey.shop_id == shop_id))).all()
    assert sorted(j.trigger.value for j in journeys) == ["birthday", "delivered", "lapsed"]
    results = await step_results(session, Actor.system(shop_id), list(journeys))
    delivered = next(j for j in journeys if j.trigger.value == "delivered")
    assert all(r.sent > 0 for r in results[delivered.id])
    tips = await session.scalars(
        select(CampaignMessage.body).where(CampaignMessage.journey_step_id == delivered.steps[0].id)
    )
    assert all("{" not in body for body in tips)


async def check_script_library(session) -> None:
    """Scripts for every stage, some for each shopper temperament, and the running free
    shipping test (包邮 against 包邮且送运费险) with figures for both variants."""
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    phrases = (
        await session.scalars(select(QuickPhrase).where(QuickPhrase.shop_id == shop_id))
    ).all()
    assert {p.folder for p in phrases} == set(PhraseFolder)
    assert len({p.customer_type for p in phrases} - {None}) == 4
    test = await session.scalar(select(PhraseTest).where(PhraseTest.shop_id == shop_id))
    assert test.status.value == "running" and "运费险" in test.variants[1]
    results = await phrase_test_results(session, Actor.system(shop_id), test)
    for variant in results.variants:
        assert variant.conversations > 30 and variant.replied > 0 and variant.rated > 0
    assert sum(v.ordered for v in results.variants) > 0
    assert all(c is not None for c in results.reply + results.order)


async def check_dashboards(session) -> None:
    """Every KPI has a figure for the last 30 days, and the period before has the chat's
    too (the history spans two months): the demo's facts were recorded and folded."""
    shop_id = await session.scalar(select(Shop.id).where(Shop.slug == "demo"))
    overview = await read_overview(
        session, Actor.system(shop_id), Period.ending_today(shop_zone(None))
    )
    assert [k.code for k in overview.kpis if k.value is None] == []
    figures = {k.code: k for k in overview.kpis}
    assert figures["conversations"].value > 100
    for code in ("first_response_seconds", "fcr_rate", "csat", "conversion_rate", "qa_score"):
        assert figures[code].previous_value is not None, code
    unfolded = select(func.count()).where(
        ReportEvent.shop_id == shop_id, ReportEvent.folded.is_(False)
    )
    assert await session.scalar(unfolded) == 0


async def test_demo_builds_a_shop_and_refreshing_changes_nothing(
    database_url, settings, sessionmaker, tmp_path
):
    first = await asyncio.to_thread(run_demo, database_url, str(tmp_path))
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8000" in first.output
    # 1000 generated orders, and the few the sample campaign's recipients placed.
    assert re.search(r"\b10\d\d orders", first.output), first.output
    login = re.search(r"(owner@\S+)\s+(\S+)", first.output)
    assert login is not None, first.output
    async with sessionmaker() as session:
        before = await shop_counts(session)
        await check_segments_and_campaign(session)
        await check_journeys(session)
        await check_script_library(session)
        await check_dashboards(session)

    again = await asyncio.to_thread(run_demo, database_url, str(tmp_path))
    assert again.exit_code == 0, again.output
    async with sessionmaker() as session:
        assert await shop_counts(session) == before
        emails = re.findall(r"(\S+@\S+)\s+\S+$", first.output, re.M)
        assert len(emails) == 3, first.output
        for email in emails:
            # The printed logins are shared by every visitor of the demo: none of them
            # may be forced to a new password that would lock the next visitor out.
            result = await do_login(session, settings, email, login[2])
            assert (result.user.email, result.user.must_change_password) == (email, False)

    assert 1000 < before["orders"] < 1100  # with the campaign's conversions
    assert before["agents"] >= 5
    assert before["tracking_events"] > before["shipments"] > 500
    assert before["orders completed"] > before["orders refunded"] > 0
    assert {f"orders {s.value}" for s in OrderStatus} <= set(before)
