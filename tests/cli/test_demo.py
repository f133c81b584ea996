"""``kefu demo --no-serve``: builds the demo shop, and refreshing it changes nothing."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from kefu.actions.auth import do_login
from kefu.cli import app as cli
from kefu.models import Agent, Order, OrderStatus, Shipment, Shop, TrackingEvent

COUNTED = (Order, Shipment, TrackingEvent, Agent)


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


async def test_demo_builds_a_shop_and_refreshing_changes_nothing(
    database_url, settings, sessionmaker, tmp_path
):
    first = await asyncio.to_thread(run_demo, database_url, str(tmp_path))
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8000" in first.output
    assert "1000 orders" in first.output
    login = re.search(r"(owner@\S+)\s+(\S+)", first.output)
    assert login is not None, first.output
    async with sessionmaker() as session:
        before = await shop_counts(session)

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

    assert before["orders"] == 1000
    assert before["agents"] >= 5
    assert before["tracking_events"] > before["shipments"] > 500
    assert before["orders completed"] > before["orders refunded"] > 0
    assert {f"orders {s.value}" for s in OrderStatus} <= set(before)
