"""Shop RFM from the orders table, against scores worked by hand (docs/crm.md): the
quintiles agree with ``kefu rfm`` on the same purchases; a shop's thresholds; snapshots,
history and flows; refusals."""

from __future__ import annotations

import pytest

from tests.crm.shop_orders import seed_shop


async def _segments_of(api, names: dict[str, int]) -> dict[str, tuple]:
    page = (await api.get("/api/v1/rfm/customers", params={"limit": 50})).json()
    return {
        item["name"]: (
            item["recency_days"],
            item["frequency"],
            item["monetary_cents"],
            item["r"],
            item["f"],
            item["m"],
            item["segment"],
        )
        for item in page["items"]
    }


async def test_quintiles_match_the_worked_example(client, carol):
    api = client.as_(carol)
    names = await seed_shop(api)
    refreshed = await api.post("/api/v1/rfm/refresh", json={"day": "2026-03-21"})
    assert refreshed.json() == {"day": "2026-03-21", "customers": 4}
    # The docs/rfm.md example: same recency, frequency, money, scores and segments.
    # 钱多多 has only a cancelled and an unpaid order; 赵敏's order of 25 March is later.
    assert await _segments_of(api, names) == {
        "王芳": (1, 2, 31881, 5, 4, 5, "core"),
        "李雷": (6, 2, 25996, 2, 4, 2, "fading"),
        "赵敏": (11, 2, 10000, 1, 4, 1, "fading"),
        "韩梅梅": (3, 1, 29900, 4, 1, 4, "potential"),
    }
    body = (await api.get("/api/v1/rfm/segments")).json()
    assert body["day"] == "2026-03-21" and body["customers"] == 4
    sizes = {s["slug"]: s["size"] for s in body["segments"]}
    assert sizes == {
        "core": 1,
        "potential": 1,
        "sleeping": 0,
        "at_risk": 0,
        "loyal": 0,
        "new": 0,
        "fading": 2,
        "lost": 0,
    }
    sleeping = next(s for s in body["segments"] if s["slug"] == "sleeping")
    assert sleeping["name_zh"] == "沉睡客户" and "召回" in sleeping["strategy_zh"]
    fading = await api.get("/api/v1/rfm/customers", params={"segment": "fading"})
    assert sorted(c["name"] for c in fading.json()["items"]) == ["李雷", "赵敏"]


async def test_the_shops_thresholds_replace_quintiles(client, owen):
    api = client.as_(owen)
    names = await seed_shop(api)
    thresholds = {
        "recency_days": [30, 10, 5, 2],
        "frequency": [2, 3, 4, 5],
        "monetary_cents": [10000, 20000, 30000, 40000],
    }
    changed = await api.patch("/api/v1/shop/crm-settings", json={"rfm_thresholds": thresholds})
    assert changed.status_code == 200, changed.text
    assert changed.json()["rfm_thresholds"] == thresholds
    await api.post("/api/v1/rfm/refresh", json={"day": "2026-03-21"})
    # r: 1 day → 5, 3 → 4, 6 → 3, 11 → 2; f: 2 orders → 2, 1 → 1;
    # m: 318.81 → 4, 299.00 and 259.96 → 3, 100.00 → 2 (at least 100.00 reaches 2).
    assert await _segments_of(api, names) == {
        "王芳": (1, 2, 31881, 5, 2, 4, "potential"),
        "李雷": (6, 2, 25996, 3, 2, 3, "potential"),
        "赵敏": (11, 2, 10000, 2, 2, 2, "lost"),
        "韩梅梅": (3, 1, 29900, 4, 1, 3, "potential"),
    }
    body = (await api.get("/api/v1/rfm/segments")).json()
    assert body["method"] == thresholds


@pytest.mark.parametrize(
    ("thresholds", "field", "words"),
    [
        ({"recency_days": [2, 5, 10, 30]}, "rfm_thresholds.recency_days", "largest first"),
        ({"frequency": [1, 2, 3]}, "rfm_thresholds.frequency", "4 whole numbers"),
        ({"monetary_cents": [100, 100, 200, 300]}, "rfm_thresholds.monetary_cents", "smallest"),
        ({"frequency": [1, 2, "三", 4]}, "rfm_thresholds.frequency", "whole numbers"),
        ({"loyalty": [1, 2, 3, 4]}, "rfm_thresholds", "recency_days, frequency"),
    ],
)
async def test_bad_thresholds_are_refused_with_a_reason(client, owen, thresholds, field, words):
    response = await client.as_(owen).patch(
        "/api/v1/shop/crm-settings", json={"rfm_thresholds": thresholds}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"]
    zh = await client.as_(owen).patch(
        "/api/v1/shop/crm-settings",
        json={"rfm_thresholds": thresholds},
        headers={"Accept-Language": "zh-CN"},
    )
    assert "阈值" in zh.json()["error"]["message"]


async def test_history_and_flows_between_two_snapshots(client, carol):
    api = client.as_(carol)
    await seed_shop(api)
    for day in ("2026-03-15", "2026-03-21"):
        assert (await api.post("/api/v1/rfm/refresh", json={"day": day})).status_code == 200
    history = (await api.get("/api/v1/rfm/history")).json()
    assert [d["day"] for d in history] == ["2026-03-15", "2026-03-21"]
    # 15 March, by hand: 王芳 r1 f1 m5 at_risk, 李雷 r5 f4 m3 core, 赵敏 r3 f4 m1 loyal.
    assert {k: v for k, v in history[0]["sizes"].items() if v} == {
        "at_risk": 1,
        "core": 1,
        "loyal": 1,
    }
    flows = (await api.get("/api/v1/rfm/flows", params={"from": "2026-03-16"})).json()
    assert flows["from_day"] == "2026-03-15" and flows["to_day"] == "2026-03-21"
    assert sorted((f["from"], f["to"], f["customers"]) for f in flows["flows"]) == [
        ("at_risk", "core", 1),
        ("core", "fading", 1),
        ("loyal", "fading", 1),
        ("none", "potential", 1),
    ]
    backwards = await api.get(
        "/api/v1/rfm/flows", params={"from": "2026-03-21", "to": "2026-03-01"}
    )
    assert backwards.status_code == 422


async def test_refusals_and_roles(client, alice, carol, mallory):
    assert (await client.as_(alice).post("/api/v1/rfm/refresh", json={})).status_code == 403
    future = await client.as_(carol).post("/api/v1/rfm/refresh", json={"day": "2999-01-01"})
    assert future.status_code == 422
    bad = await client.as_(carol).get("/api/v1/rfm/customers", params={"segment": "vip"})
    assert bad.status_code == 422 and "sleeping" in bad.json()["error"]["message"]
    await seed_shop(client.as_(carol))
    await client.as_(carol).post("/api/v1/rfm/refresh", json={})
    # Another shop sees nothing of acme's segments.
    other = (await client.as_(mallory).get("/api/v1/rfm/segments")).json()
    assert other["customers"] == 0 and other["day"] is None
    assert (await client.as_(mallory).get("/api/v1/rfm/customers")).json()["items"] == []
    assert (await client.as_(alice).get("/api/v1/rfm/segments")).json()["customers"] == 4


async def test_the_worker_takes_each_shops_snapshot_once_a_day(client, owen, mallory, sessionmaker):
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from kefu.crm.shop_rfm import take_due_snapshots
    from kefu.models import RfmSnapshot

    await seed_shop(client.as_(owen))
    evening = datetime(2026, 3, 21, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    assert await take_due_snapshots(sessionmaker, evening) == 1  # mallory's shop has no orders
    assert await take_due_snapshots(sessionmaker, evening) == 0  # already taken today
    assert await take_due_snapshots(sessionmaker, evening.replace(hour=16)) == 1  # a new day
    async with sessionmaker() as session:
        days = await session.execute(
            select(RfmSnapshot.day, func.count())
            .where(RfmSnapshot.shop_id == owen.shop_id)
            .group_by(RfmSnapshot.day)
            .order_by(RfmSnapshot.day)
        )
        assert [(d.isoformat(), n) for d, n in days] == [("2026-03-21", 4), ("2026-03-22", 4)]
