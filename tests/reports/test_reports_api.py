"""The reports API: the overview and leaderboard shapes other pages and exports build on,
who may read them, the cost settings, and refusals of bad input with readable 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kefu.reports.kpis import KPIS
from kefu.reports.periods import shop_zone
from tests.chat.conftest import make_shopper
from tests.knowledge.conftest import say


def _today() -> str:
    return datetime.now(UTC).astimezone(shop_zone(None)).date().isoformat()


async def _answered_and_closed(client, alice) -> int:
    """A shopper's question that alice answers and closes: one conversation, one first
    response, one resolution."""
    shopper = await make_shopper(client, "acme", skill="presale")
    await say(client, shopper, "有优惠券吗")
    api = client.as_(alice)
    path = f"/api/v1/conversations/{shopper.conversation_id}"
    assert (await api.post(f"{path}/assign", json={"agent_id": alice.agent_id})).status_code == 200
    said = {"client_id": str(uuid.uuid4()), "body": "亲，下单时可以领券哦"}
    assert (await api.post(f"{path}/messages", json=said)).status_code == 200
    assert (await api.post(f"{path}/close", json={"disposition": "resolved"})).status_code == 200
    return shopper.conversation_id


async def test_the_overview_shape_with_the_previous_period(client, carol, alice):
    await _answered_and_closed(client, alice)
    today = _today()
    response = await client.as_(carol).get(
        "/api/v1/reports/overview", params={"start": today, "end": today}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    yesterday = (datetime.fromisoformat(today) - timedelta(days=1)).date().isoformat()
    assert body["period"] == {"start": today, "end": today}
    assert body["previous"] == {"start": yesterday, "end": yesterday}
    assert [k["code"] for k in body["kpis"]] == [kpi.code for kpi in KPIS]
    figures = {k["code"]: k for k in body["kpis"]}
    assert set(figures["fcr_rate"]) == {
        "code",
        "unit",
        "value",
        "numerator",
        "denominator",
        "previous_value",
        "change",
    }
    assert figures["conversations"] == {
        "code": "conversations",
        "unit": "count",
        "value": 1.0,
        "numerator": 1.0,
        "denominator": 1.0,
        "previous_value": 0.0,
        "change": None,  # nothing the day before to compare with
    }
    assert (figures["fcr_rate"]["value"], figures["fcr_rate"]["unit"]) == (1.0, "ratio")
    assert figures["csat"]["value"] is None  # nobody rated: no CSAT, not a CSAT of 0
    assert figures["fast_response_rate"]["value"] == 1.0


async def test_the_leaderboard_shape_sorting_and_filters(client, owen, alice, bob):
    await _answered_and_closed(client, alice)
    api = client.as_(owen)
    board = await api.get("/api/v1/reports/agents", params={"sort": "fcr_rate"})
    assert board.status_code == 200, board.text
    items = board.json()["items"]
    assert set(items[0]) == {"agent_id", "name", "level", "kpis"}
    assert (items[0]["agent_id"], items[0]["name"], items[0]["level"]) == (
        alice.agent_id,
        "Alice",  # her display name
        "junior",
    )
    assert items[0]["kpis"]["fcr_rate"] == 1.0 and set(items[0]["kpis"]) == {k.code for k in KPIS}
    assert items[-1]["kpis"]["fcr_rate"] is None
    only_bob = await api.get("/api/v1/reports/agents", params={"agent_id": bob.agent_id})
    assert [row["agent_id"] for row in only_bob.json()["items"]] == [bob.agent_id]
    ascending = await api.get(
        "/api/v1/reports/agents", params={"sort": "first_response_seconds", "order": "asc"}
    )
    assert ascending.json()["items"][0]["agent_id"] == alice.agent_id


async def test_only_those_who_may_see_reports_read_them(client, alice, owen):
    for path in ("/api/v1/reports/overview", "/api/v1/reports/agents", "/api/v1/shop/reporting"):
        refused = await client.as_(alice).get(path)
        assert refused.status_code == 403, (path, refused.text)
        assert (await client.get(path)).status_code == 401
        assert (await client.as_(owen).get(path)).status_code == 200


async def test_bad_report_parameters_are_4xx_with_a_reason(client, carol):
    api = client.as_(carol)
    backwards = await api.get(
        "/api/v1/reports/overview", params={"start": "2026-11-10", "end": "2026-11-01"}
    )
    assert backwards.status_code == 422
    assert backwards.json()["error"]["field"] == "end"
    unknown = await api.get("/api/v1/reports/agents", params={"sort": "happiness"})
    assert unknown.status_code == 422
    assert "fcr_rate" in unknown.json()["error"]["message"]  # the known codes are listed
    in_chinese = await api.get(
        "/api/v1/reports/agents",
        params={"sort": "happiness"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert in_chinese.json()["error"]["message"].startswith("没有名为 happiness 的指标")
    assert (await api.get("/api/v1/reports/agents", params={"order": "up"})).status_code == 422


async def test_the_owner_sets_costs_and_the_unit_cost_follows(client, owen, carol, alice):
    await _answered_and_closed(client, alice)
    api = client.as_(owen)
    assert (await api.get("/api/v1/shop/reporting")).json() == {
        "cost_per_agent_hour_cents": 0,
        "cost_per_conversation_cents": 0,
    }
    changed = await api.patch("/api/v1/shop/reporting", json={"cost_per_conversation_cents": 250})
    assert changed.json() == {"cost_per_agent_hour_cents": 0, "cost_per_conversation_cents": 250}
    overview = (await client.as_(carol).get("/api/v1/reports/overview")).json()
    unit = {k["code"]: k for k in overview["kpis"]}["unit_cost_cents"]
    assert (unit["value"], unit["numerator"], unit["denominator"]) == (250.0, 250.0, 1.0)
    supervisor = await client.as_(carol).patch(
        "/api/v1/shop/reporting", json={"cost_per_agent_hour_cents": 1}
    )
    assert supervisor.status_code == 403
    for bad in ({"cost_per_agent_hour_cents": -1}, {"cost_per_agent_hour_cents": 10**9}):
        refused = await api.patch("/api/v1/shop/reporting", json=bad)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == "cost_per_agent_hour_cents"
