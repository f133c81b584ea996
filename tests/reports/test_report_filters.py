"""Filtering reports by stage, intent and customer segment: a conversation's facts carry
the stage the shopper chose, the intent the bot recognised and the customer's RFM segment
of the day, before and after the worker folds them into rollups."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from kefu.models import Conversation, Customer, Visitor
from kefu.models.crm import RfmSnapshot
from kefu.reports.periods import shop_zone
from kefu.reports.rollup import fold_all
from tests.chat.conftest import Shopper
from tests.knowledge.conftest import closed_shop, say  # noqa: F401  (shared fixture)


def _today() -> dict[str, str]:
    today = datetime.now(UTC).astimezone(shop_zone(None)).date().isoformat()
    return {"start": today, "end": today}


async def _core_customers_return(client, sessionmaker, alice) -> int:
    """王芳, a core customer, opens a 售前 chat and asks how to return an item; the bot
    answers after hours, then alice takes the conversation and answers the next question."""
    async with sessionmaker() as session:
        wang = Customer(shop_id=alice.shop_id, external_id="C-88", name="王芳")
        session.add(wang)
        await session.flush()
        session.add(
            RfmSnapshot(
                shop_id=alice.shop_id,
                day=datetime.now(UTC).date(),
                customer_id=wang.id,
                recency_days=3,
                frequency=6,
                monetary_cents=128_800,
                r=5,
                f=5,
                m=5,
                segment="core",
            )
        )
        await session.commit()
        customer_id = wang.id
    issued = (await client.post("/api/v1/widget/acme/visitors", json={"page": "/p/1"})).json()
    async with sessionmaker() as session:
        await session.execute(
            update(Visitor)
            .where(Visitor.public_id == issued["visitor_id"])
            .values(customer_id=customer_id)
        )
        await session.commit()
    headers = {"X-Visitor-Token": issued["token"]}
    started = await client.post(
        "/api/v1/widget/conversations", json={"skill": "presale"}, headers=headers
    )
    assert started.status_code == 200, started.text
    shopper = Shopper(issued["token"], issued["visitor_id"], started.json()["id"])
    await say(client, shopper, "请问怎么退货？")
    api = client.as_(alice)
    path = f"/api/v1/conversations/{shopper.conversation_id}"
    assert (await api.post(f"{path}/assign", json={"agent_id": alice.agent_id})).status_code == 200
    await say(client, shopper, "那退货运费谁出呀")  # to alice now: the bot stays silent
    said = {"client_id": str(uuid.uuid4()), "body": "亲，退货运费由我们承担哦"}
    assert (await api.post(f"{path}/messages", json=said)).status_code == 200
    return shopper.conversation_id


async def _figures(client, persona, **params) -> dict[str, dict]:
    response = await client.as_(persona).get("/api/v1/reports/overview", params=_today() | params)
    assert response.status_code == 200, response.text
    return {k["code"]: k for k in response.json()["kpis"]}


async def _answered(client, persona, **params) -> float:
    """How many first responses the filters let through."""
    return (await _figures(client, persona, **params))["first_response_seconds"]["denominator"]


@pytest.mark.usefixtures("closed_shop")
async def test_facts_filter_by_stage_intent_and_segment_before_and_after_folding(
    client, sessionmaker, alice, carol
):
    conversation_id = await _core_customers_return(client, sessionmaker, alice)
    async with sessionmaker() as session:
        conversation = await session.get_one(Conversation, conversation_id)
        intent, segment = conversation.intent, conversation.segment
    assert segment == "core"
    assert intent is not None and intent.startswith("aftersale.")  # 退货: after-sales
    for folded in (False, True):
        assert await _answered(client, carol) == 1
        assert await _answered(client, carol, stage="presale") == 1
        assert await _answered(client, carol, stage=["aftersale", "complaint"]) == 0
        assert await _answered(client, carol, intent=intent) == 1
        assert await _answered(client, carol, intent="presale.bargain") == 0
        assert await _answered(client, carol, segment="core") == 1
        assert await _answered(client, carol, segment=["lost", "sleeping"]) == 0
        assert await _answered(client, carol, stage="presale", segment="core", intent=intent) == 1
        # Opened before the bot read a word: the conversation's opening has no intent.
        opened = await _figures(client, carol, segment="core")
        assert opened["conversations"]["value"] == 1
        assert (await _figures(client, carol, intent=intent))["conversations"]["value"] == 0
        if not folded:
            async with sessionmaker() as session:
                assert await fold_all(session) > 0


@pytest.mark.usefixtures("closed_shop")
async def test_the_drilldown_and_the_export_filter_by_segment(client, sessionmaker, alice, carol):
    conversation_id = await _core_customers_return(client, sessionmaker, alice)
    api = client.as_(carol)
    listed = await api.get(
        "/api/v1/reports/drilldown",
        params=_today() | {"kind": "first_response", "segment": "core", "stage": "presale"},
    )
    assert [r["conversation_id"] for r in listed.json()["items"]] == [conversation_id]
    none = await api.get(
        "/api/v1/reports/drilldown", params=_today() | {"kind": "first_response", "segment": "new"}
    )
    assert none.json()["items"] == []
    for segment, expected in (("core", [str(conversation_id)]), ("lost", [])):
        exported = await api.get(
            "/api/v1/reports/export",
            params=_today()
            | {"report": "conversations", "format": "csv", "lang": "en", "segment": segment},
        )
        assert exported.status_code == 200, exported.text
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert [row[0] for row in rows[1:]] == expected


async def test_an_unknown_segment_stage_or_intent_is_a_422(client, carol):
    api = client.as_(carol)
    response = await api.get("/api/v1/reports/overview", params={"segment": "vip客户"})
    assert response.status_code == 422
    assert "core" in response.text and "segment" in response.text
    response = await api.get("/api/v1/reports/funnel", params={"stage": "售前"})
    assert response.status_code == 422
    response = await api.get("/api/v1/reports/live", params={"intent": "问价格" * 40})
    assert response.status_code == 422 and response.json()["error"]["field"] == "intent"


@pytest.mark.usefixtures("closed_shop")
async def test_the_page_offers_the_new_filters_and_keeps_the_choice(
    client, sessionmaker, alice, carol
):
    await _core_customers_return(client, sessionmaker, alice)
    page = await client.as_(carol).get(
        "/reports", params={"stage": "presale", "segment": "core", "intent": "aftersale.return"}
    )
    assert page.status_code == 200
    html = page.text
    assert 'name="stage"' in html and 'name="intent"' in html and 'name="segment"' in html
    assert "核心客户" in html  # the segment's Chinese name
    assert "stage=presale" in html and "segment=core" in html  # the API and exports get them
    refused = await client.as_(carol).get("/reports", params={"segment": "nobody"})
    assert refused.status_code == 200
    assert "请从列表中选择客户分层" in refused.text
    async with sessionmaker() as session:
        assert await session.scalar(select(Conversation.segment)) == "core"
