"""Facts outside conversations, each driven through its real path: paid orders by the API
and by a file import (counted once however often they are sent), online time by presence
changes and by the worker's poll, widget visits once per shop-local day; and the worker
folding all of it."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from kefu.importing.service import ImportRequest, Silent, run_import
from kefu.models import Agent, Visitor
from kefu.models.base import utcnow
from kefu.models.reports import ReportEvent, ReportRollup
from kefu.reports.rollup import hour_of
from kefu.worker import Worker

PAID_AT = datetime(2026, 11, 3, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


async def _facts(sessionmaker, *kinds: str) -> list[tuple[str, int, datetime]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ReportEvent.kind, ReportEvent.value, ReportEvent.occurred_at)
            .where(ReportEvent.kind.in_(kinds))
            .order_by(ReportEvent.occurred_at, ReportEvent.id)
        )
        return [tuple(row) for row in rows.all()]


def _order(external_id: str, paid_at: datetime | None, cents: int = 9900) -> dict:
    return {
        "external_id": external_id,
        "customer_external_id": "C-7",
        "status": "paid" if paid_at else "pending_payment",
        "placed_at": (PAID_AT - timedelta(minutes=5)).isoformat(),
        "paid_at": paid_at.isoformat() if paid_at else None,
        "lines": [{"sku": "S", "title": "围巾", "quantity": 1, "unit_price_cents": cents}],
    }


async def test_an_order_counts_as_paid_once_when_it_is_paid(client, owen, sessionmaker):
    api = client.as_(owen)
    await api.post("/api/v1/customers/bulk", json={"items": [{"external_id": "C-7"}]})
    await api.post("/api/v1/orders/bulk", json={"items": [_order("A-1", None)]})
    assert await _facts(sessionmaker, "order_paid") == []  # placed, not paid
    for _ in range(2):  # paid, then sent again unchanged
        await api.post("/api/v1/orders/bulk", json={"items": [_order("A-1", PAID_AT)]})
    later = PAID_AT + timedelta(days=3)
    await api.post("/api/v1/orders/bulk", json={"items": [_order("A-2", later, 4500)]})
    assert await _facts(sessionmaker, "order_paid", "repeat_order") == [
        ("order_paid", 9900, PAID_AT),  # dated when it was paid, not when it was sent
        ("order_paid", 4500, later),
        ("repeat_order", 4500, later),  # C-7 had paid before
    ]


async def test_an_imported_history_of_paid_orders_counts_once(sessionmaker, personas, tmp_path):
    path = tmp_path / "订单.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["订单号", "买家", "下单时间", "付款时间", "编码", "名称", "数量", "单价"])
        writer.writerow(
            ["B-1", "C-9", "2026-11-03 10:25:00", "2026-11-03 10:30:00", "S", "帽", 1, "59.00"]
        )
        writer.writerow(["B-2", "C-9", "2026-11-05 20:00:00", "", "S", "帽", 1, "59.00"])
    mapping = [
        "external_id=订单号",
        "customer_external_id=买家",
        "placed_at=下单时间",
        "paid_at=付款时间",
        "sku=编码",
        "title=名称",
        "quantity=数量",
        "unit_price=单价",
    ]
    for _ in range(2):  # the same file twice: the second run records nothing
        await run_import(sessionmaker, ImportRequest("orders", path, "acme", mapping), Silent())
    assert await _facts(sessionmaker, "order_paid", "repeat_order") == [
        ("order_paid", 5900, PAID_AT)  # the file's times are Shanghai's; B-2 is unpaid
    ]


async def test_online_time_is_counted_by_the_hour_it_was_worked(client, alice, sessionmaker):
    api = client.as_(alice)
    await api.put("/api/v1/me/presence", json={"presence": "online"})
    this_hour = hour_of(utcnow())
    started = this_hour - timedelta(hours=2, minutes=30)  # 2 h 30 min before this hour
    async with sessionmaker() as session:
        await session.execute(
            update(Agent).where(Agent.id == alice.agent_id).values(presence_since=started)
        )
        await session.commit()
    await api.put("/api/v1/me/presence", json={"presence": "away"})
    online = await _facts(sessionmaker, "agent_online")
    assert [(value, at) for _, value, at in online[:3]] == [
        (1800, started),
        (3600, this_hour - timedelta(hours=2)),
        (3600, this_hour - timedelta(hours=1)),
    ]
    assert len(online) in (3, 4)  # and the minutes of this hour, if any
    await api.put("/api/v1/me/presence", json={"presence": "offline"})
    assert await _facts(sessionmaker, "agent_online") == online  # away is not online


async def test_the_worker_counts_hours_still_online_and_folds_every_fact(
    client, alice, sessionmaker, settings
):
    await client.as_(alice).put("/api/v1/me/presence", json={"presence": "online"})
    this_hour = hour_of(utcnow())
    async with sessionmaker() as session:
        await session.execute(
            update(Agent)
            .where(Agent.id == alice.agent_id)
            .values(presence_since=this_hour - timedelta(minutes=45))
        )
        await session.commit()
    worker = Worker(sessionmaker, settings)
    try:
        assert await worker.fold_reports() == 1
        assert await worker.fold_reports() == 0  # nothing new: nothing counted twice
    finally:
        await worker.stop()
    async with sessionmaker() as session:
        rollups = (await session.execute(select(ReportRollup.kind, ReportRollup.total))).all()
        since = await session.scalar(select(Agent.presence_since).where(Agent.id == alice.agent_id))
    assert rollups == [("agent_online", 45 * 60)]
    assert since == this_hour  # the rest of her time is counted from here


async def test_a_visit_is_a_visitors_first_widget_load_of_the_day(client, sessionmaker, personas):
    first = await client.post("/api/v1/widget/acme/visitors", json={"page": "/"})
    token = first.json()["token"]
    await client.post("/api/v1/widget/acme/visitors", json={"token": token, "page": "/p/2"})
    assert len(await _facts(sessionmaker, "visit")) == 1  # twice the same day: one visit
    async with sessionmaker() as session:
        await session.execute(update(Visitor).values(last_seen_at=utcnow() - timedelta(days=1)))
        await session.commit()
    await client.post("/api/v1/widget/acme/visitors", json={"token": token, "page": "/"})
    assert len(await _facts(sessionmaker, "visit")) == 2  # back the next day
