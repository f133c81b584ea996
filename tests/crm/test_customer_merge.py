"""Profiles agents keep (tags, note, the customer's type) and merging the same shopper's
two records: 张伟 was imported as C-8801 and, from a second storefront, as W-77 with the
same phone. After the merge one customer holds both histories, and the shop's system and
storefront may go on using W-77."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from kefu.lib.tokens import customer_signature
from kefu.models import AuditEntry, Conversation, Customer, Order, Shop, Visitor
from kefu.models.crm import RfmSnapshot
from tests.api.test_orders import CUSTOMERS, ORDERS

SECOND = {
    "items": [
        {
            "external_id": "W-77",
            "name": "张伟",
            "phone": "13812345678",
            "email": "ZhangWei@Example.com",
            "country": "中国",
            "tags": ["敏感肌", "VIP"],
            "note": "只在晚上回复消息",
            "identities": [{"channel": "wechat", "handle": "zw_wx"}],
        }
    ]
}


async def _customer(c, external_id: str) -> dict:
    found = (await c.get("/api/v1/customers", params={"external_id": external_id})).json()
    return found["items"][0]


async def _two_records_of_zhang(client, owen, sessionmaker) -> tuple[dict, dict]:
    """C-8801 with an order; W-77 with a widget conversation, an order, an opt-out and an
    RFM score on the same day as C-8801's."""
    async with client.as_(owen) as c:
        for batch in (CUSTOMERS, SECOND):
            assert (await c.post("/api/v1/customers/bulk", json=batch)).status_code == 200
        assert (await c.post("/api/v1/orders/bulk", json=ORDERS)).status_code == 200
        second_order = {**ORDERS["items"][0], "external_id": "E-W77-1"}
        second_order["customer_external_id"] = "W-77"
        sent = await c.post("/api/v1/orders/bulk", json={"items": [second_order]})
        assert sent.status_code == 200, sent.text
        first, second = await _customer(c, "C-8801"), await _customer(c, "W-77")
    token = await _signed_visitor(client, sessionmaker, owen.shop_id, "W-77")
    headers = {"X-Visitor-Token": token}
    conversation = (
        await client.post("/api/v1/widget/conversations", json={}, headers=headers)
    ).json()
    sent = await client.post(
        f"/api/v1/widget/conversations/{conversation['id']}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "上次买的面霜有点过敏😢"},
        headers=headers,
    )
    assert sent.status_code == 200, sent.text
    opted_out = datetime(2026, 11, 1, tzinfo=UTC)
    async with sessionmaker() as session:
        (await session.get(Customer, second["id"])).opted_out_at = opted_out
        for customer_id, segment in ((first["id"], "core"), (second["id"], "sleeping")):
            session.add(_score(owen.shop_id, customer_id, date(2026, 12, 1), segment))
        session.add(_score(owen.shop_id, second["id"], date(2026, 11, 30), "sleeping"))
        await session.commit()
    return first, second


def _score(shop_id: int, customer_id: int, day: date, segment: str) -> RfmSnapshot:
    return RfmSnapshot(
        shop_id=shop_id,
        day=day,
        customer_id=customer_id,
        recency_days=30,
        frequency=1,
        monetary_cents=19900,
        r=3,
        f=1,
        m=2,
        segment=segment,
    )


async def _signed_visitor(client, sessionmaker, shop_id: int, external_id: str) -> str:
    async with sessionmaker() as session:
        secret = (await session.get(Shop, shop_id)).widget_secret
    issued = await client.post(
        "/api/v1/widget/acme/visitors",
        json={
            "customer_id": external_id,
            "customer_signature": customer_signature(secret, external_id),
        },
    )
    assert issued.status_code in (200, 201), issued.text
    return issued.json()["token"]


async def test_a_supervisor_sees_the_duplicate_and_merges_it_with_both_histories(
    client, owen, carol, sessionmaker
):
    first, second = await _two_records_of_zhang(client, owen, sessionmaker)
    async with client.as_(carol) as c:
        candidates = (await c.get(f"/api/v1/customers/{first['id']}/duplicates")).json()
        assert [d["external_id"] for d in candidates] == ["W-77"], "same phone"
        merged = await c.post(f"/api/v1/customers/{first['id']}/merge/{second['id']}")
        assert merged.status_code == 200, merged.text
        answer = merged.json()
        gone = await c.get(f"/api/v1/customers/{second['id']}")
    assert gone.status_code == 404
    customer = answer["customer"]
    assert customer["name"] == "张伟" and customer["country"] == "中国", "gaps filled"
    assert customer["tags"] == ["VIP", "老客户", "敏感肌"]
    assert customer["note"] == "只在晚上回复消息"
    assert customer["opted_out_at"] is not None, "the shopper's opt-out on either record stands"
    assert {(i["channel"], i["handle"]) for i in customer["identities"]} == {
        ("taobao", "zhangwei_tb"),
        ("wechat", "zw_wx"),
        ("merged", "W-77"),
    }
    assert answer["moved"]["orders"] == 1 and answer["moved"]["conversations"] == 1
    assert answer["dropped"] == {"rfm_snapshots": 1}, "one score per customer and day"
    async with sessionmaker() as session:
        orders = await session.scalar(select(func.count()).where(Order.customer_id == first["id"]))
        conversation = await session.scalar(select(Conversation))
        scores = (
            await session.scalars(
                select(RfmSnapshot.segment)
                .where(RfmSnapshot.customer_id == first["id"])
                .order_by(RfmSnapshot.day)
            )
        ).all()
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "customer.merge")
        )
    assert orders == 2
    assert conversation.customer_id == first["id"]
    assert scores == ["sleeping", "core"], "the survivor's own score wins on the shared day"
    assert audit.after["merged_from"]["external_id"] == "W-77"
    assert audit.after["moved"]["orders"] == 1
    assert (audit.before["country"], audit.after["country"]) == (None, "中国")


async def test_the_shops_systems_may_go_on_using_the_merged_id(client, owen, sessionmaker):
    first, second = await _two_records_of_zhang(client, owen, sessionmaker)
    async with client.as_(owen) as c:
        merged = await c.post(f"/api/v1/customers/{first['id']}/merge/{second['id']}")
        assert merged.status_code == 200, merged.text
        again = {"items": [{"external_id": "W-77", "name": "张伟", "member_level": "金卡"}]}
        imported = await c.post("/api/v1/customers/bulk", json=again)
        order = {**ORDERS["items"][0], "external_id": "E-W77-2", "customer_external_id": "W-77"}
        ordered = await c.post("/api/v1/orders/bulk", json={"items": [order]})
        survivor = await c.get(f"/api/v1/customers/{first['id']}")
    assert imported.json()["ids"] == [first["id"]], "no second 张伟 appears"
    assert survivor.json()["member_level"] == "金卡"
    assert ordered.status_code == 200, ordered.text
    token = await _signed_visitor(client, sessionmaker, owen.shop_id, "W-77")
    async with sessionmaker() as session:
        people = await session.scalar(select(func.count()).select_from(Customer))
        order_owner = await session.scalar(
            select(Order.customer_id).where(Order.external_id == "E-W77-2")
        )
        visitor = await session.scalar(select(Visitor).order_by(Visitor.id.desc()))
    assert people == 2, "C-8801 and 李娜"
    assert order_owner == first["id"]
    assert token and visitor.customer_id == first["id"], "the storefront's signed W-77 login"


async def test_merging_is_refused_clearly(client, owen, alice, mallory, sessionmaker):
    first, second = await _two_records_of_zhang(client, owen, sessionmaker)
    url = f"/api/v1/customers/{first['id']}/merge"
    async with client.as_(alice) as c:
        agent = await c.post(f"{url}/{second['id']}")
    async with client.as_(owen) as c:
        itself = await c.post(f"{url}/{first['id']}")
        nobody = await c.post(f"{url}/99999999")
    async with client.as_(mallory) as c:
        mine = {"items": [{"external_id": "M-1", "name": "张伟", "phone": "13812345678"}]}
        own = (await c.post("/api/v1/customers/bulk", json=mine)).json()["ids"][0]
        foreign = await c.post(f"{url}/{second['id']}")
        into_hers = await c.post(f"/api/v1/customers/{own}/merge/{second['id']}")
        peek = await c.get(f"/api/v1/customers/{first['id']}/duplicates")
        her_candidates = await c.get(f"/api/v1/customers/{own}/duplicates")
    assert agent.status_code == 403
    assert itself.status_code == 422 and "itself" in itself.json()["error"]["message"]
    assert nobody.status_code == 404
    assert foreign.status_code == 404 and into_hers.status_code == 404
    assert peek.status_code == 404 and her_candidates.json() == [], "acme's 张伟 stays unseen"
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Customer)) == 4


async def test_an_agent_keeps_tags_a_note_and_the_customers_type(client, owen, alice):
    async with client.as_(owen) as c:
        assert (await c.post("/api/v1/customers/bulk", json=CUSTOMERS)).status_code == 200
        zhang = await _customer(c, "C-8801")
    url = f"/api/v1/customers/{zhang['id']}"
    async with client.as_(alice) as c:
        changed = await c.patch(
            url,
            json={
                "tags": [" 讲价型 ", "VIP", "讲价型"],
                "note": "喜欢问赠品，先说活动再报价",
                "customer_type": "fussy",
            },
        )
        bad_type = await c.patch(url, json={"customer_type": "angry"})
        imported = await c.patch(url, json={"phone": "13000000000"})
        long_tag = await c.patch(
            url, json={"tags": ["这是一个非常非常非常非常非常非常长的标签名字"]}
        )
        cleared = await c.patch(url, json={"customer_type": None})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["tags"], body["customer_type"]) == (["讲价型", "VIP"], "fussy")
    assert body["note"] == "喜欢问赠品，先说活动再报价"
    assert bad_type.status_code == 422
    assert imported.status_code == 422, "the shop's system owns the phone"
    assert long_tag.status_code == 422 and "20" in long_tag.json()["error"]["message"]
    assert cleared.json()["customer_type"] is None and cleared.json()["tags"] == ["讲价型", "VIP"]


async def test_scripts_for_the_customers_type_come_first_in_the_composer(
    client, owen, carol, sessionmaker
):
    async with client.as_(owen) as c:
        assert (await c.post("/api/v1/customers/bulk", json=CUSTOMERS)).status_code == 200
        zhang = await _customer(c, "C-8801")
    async with client.as_(carol) as c:
        for shortcut, kind, body in (
            ("a", None, "亲，您好，有什么可以帮您？"),
            ("b", "decisive", "亲，直接给您结论：有货，今天发。"),
            ("c", "fussy", "亲别着急，我一条一条给您说明～"),
        ):
            phrase = {
                "shortcut": shortcut,
                "folder": "greeting",
                "body": body,
                "customer_type": kind,
            }
            assert (await c.post("/api/v1/quick-phrases", json=phrase)).is_success
        await c.patch(f"/api/v1/customers/{zhang['id']}", json={"customer_type": "fussy"})
    token = await _signed_visitor(client, sessionmaker, owen.shop_id, "C-8801")
    conversation = (
        await client.post(
            "/api/v1/widget/conversations", json={}, headers={"X-Visitor-Token": token}
        )
    ).json()
    async with client.as_(carol) as c:
        typed = await c.get("/api/v1/quick-phrases", params={"conversation_id": conversation["id"]})
        plain = await c.get("/api/v1/quick-phrases")
    assert [p["shortcut"] for p in typed.json()] == ["c", "a", "b"], "麻烦型 first, then for anyone"
    assert [p["shortcut"] for p in plain.json()] == ["a", "b", "c"]
