"""Opening and working cases through the REST API: evidence per type, the shop's custom
fields, numbers per shop, lists with filters, the timeline, CSV export and events
(isolation between shops: tests/api/test_tenant_isolation.py)."""

from __future__ import annotations

import csv
import io

import pytest

from kefu.events import Event
from kefu.models import Role, Shop
from tests.cases.conftest import ok, open_case
from tests.factories import make_person


async def test_an_agent_opens_a_damaged_case_from_a_conversation(client, alice, order, chat):
    case = await open_case(
        client,
        alice,
        type="damaged",
        conversation_id=chat.conversation_id,
        order_line_id=order.mug_line_id,
        evidence={"photo_upload_ids": [chat.photo_id]},
        description="快递外箱完好，杯子把手断了",
    )
    assert (case["number"], case["status"], case["source"]) == (1, "new", "conversation")
    assert (case["order_id"], case["order_line_id"]) == (order.id, order.mug_line_id)
    assert case["evidence"] == {"photo_upload_ids": [chat.photo_id]}
    detail = await ok(await client.as_(alice).get(f"/api/v1/cases/{case['id']}"))
    [created] = detail["timeline"]
    assert (created["kind"], created["actor_label"], created["to_status"]) == (
        "created",
        "Alice",
        "new",
    )


async def test_case_numbers_count_per_shop(client, alice, mallory, order):
    first = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    second = await open_case(client, alice, type="consultation", title="请问退货地址是哪里？")
    theirs = await open_case(client, mallory, type="complaint", title="客服态度差")
    assert [first["number"], second["number"], theirs["number"]] == [1, 2, 1]
    assert first["source"] == "order_line" and second["source"] == "api"


MISSING = [
    ("return", {}, "order_line_id"),
    ("refund_only", {"order_id": "order"}, "order_line_id"),
    ("damaged", {"order_line_id": "mug"}, "evidence.photo_upload_ids"),
    ("wrong_item", {"order_line_id": "mug"}, "evidence.photo_upload_ids"),
    ("quality", {"order_line_id": "mug", "photos": True}, "evidence.batch_no"),
    ("logistics", {}, "order_id"),
    ("logistics", {"order_id": "order"}, "evidence.tracking_no"),
    ("customs", {"order_id": "order"}, "evidence.customs_status"),
    ("invoice", {}, "order_id"),
]


@pytest.mark.parametrize(("kind", "given", "field"), MISSING)
async def test_missing_evidence_is_a_422_naming_the_field(
    client, alice, order, chat, kind, given, field
):
    body = {"type": kind, "title": "顾客申请售后"}
    if "order_line_id" in given:
        body["order_line_id"] = order.mug_line_id
    if "order_id" in given:
        body["order_id"] = order.id
    if given.get("photos"):
        body["evidence"] = {"photo_upload_ids": [chat.photo_id]}
    response = await client.as_(alice).post("/api/v1/cases", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert kind in error["message"] and field in error["message"]


async def test_complete_evidence_opens_every_order_related_type(client, alice, order, chat):
    line = {"order_line_id": order.mug_line_id}
    photos = {"photo_upload_ids": [chat.photo_id]}
    for kind, body in [
        ("quality", line | {"evidence": photos | {"batch_no": "B20261101"}}),
        ("logistics", {"order_id": order.id, "evidence": {"tracking_no": "SF1234567890"}}),
        ("customs", line | {"evidence": {"customs_status": "海关查验中"}}),
        ("invoice", {"order_id": order.id}),
        ("exchange", line),
        ("reship", line),
        ("review_followup", {}),
    ]:
        case = await open_case(client, alice, type=kind, **body)
        assert case["type"] == kind


async def test_a_photo_of_another_shop_or_none_at_all_is_refused(client, alice, mallory, order):
    response = await client.as_(alice).post(
        "/api/v1/cases",
        json={
            "type": "damaged",
            "title": "杯子碎了",
            "order_line_id": order.mug_line_id,
            "evidence": {"photo_upload_ids": [987654]},
        },
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "evidence.photo_upload_ids"


QUALITY_FIELDS = {
    "type": "object",
    "properties": {
        "颜色": {"type": "string", "minLength": 1},
        "使用天数": {"type": "integer", "minimum": 0},
    },
    "required": ["颜色"],
    "additionalProperties": False,
}


async def test_custom_fields_follow_the_shops_json_schema(client, owen, alice, order, chat):
    settings = {"custom_fields": {"quality": QUALITY_FIELDS}}
    refused = await client.as_(alice).patch("/api/v1/shop/case-settings", json=settings)
    assert refused.status_code == 403
    bad = {"custom_fields": {"quality": {"type": "object", "properties": {"颜色": {"type": 5}}}}}
    response = await client.as_(owen).patch("/api/v1/shop/case-settings", json=bad)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "custom_fields.quality"
    stored = await ok(await client.as_(owen).patch("/api/v1/shop/case-settings", json=settings))
    assert stored["custom_fields"] == {"quality": QUALITY_FIELDS}

    body = {
        "type": "quality",
        "title": "保温杯不保温",
        "order_line_id": order.flask_line_id,
        "evidence": {"photo_upload_ids": [chat.photo_id], "batch_no": "B20261101"},
    }
    for custom, field in [
        ({}, "custom_fields"),
        ({"颜色": "白色", "使用天数": -1}, "custom_fields.使用天数"),
    ]:
        response = await client.as_(alice).post(
            "/api/v1/cases", json=body | {"custom_fields": custom}
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    case = await open_case(client, alice, **body, custom_fields={"颜色": "白色", "使用天数": 3})
    assert case["custom_fields"] == {"颜色": "白色", "使用天数": 3}
    other = await client.as_(alice).post(
        "/api/v1/cases",
        json={"type": "complaint", "title": "投诉", "custom_fields": {"颜色": "白色"}},
    )
    assert other.status_code == 422
    assert other.json()["error"]["field"] == "custom_fields"


async def test_lists_filter_and_page(client, alice, bob, carol, order):
    api = client.as_(carol)
    opened = [
        await open_case(client, alice, type="return", order_line_id=order.mug_line_id),
        await open_case(client, alice, type="complaint", title="物流太慢", priority="high"),
        await open_case(
            client, bob, type="consultation", title="怎么开发票", assigned_agent_id=bob.agent_id
        ),
    ]
    await ok(await api.post(f"/api/v1/cases/{opened[0]['id']}/transition", json={"to": "accepted"}))

    async def numbers(**params) -> list[int]:
        listed = await ok(await api.get("/api/v1/cases", params=params))
        return [c["number"] for c in listed["items"]]

    assert await numbers() == [3, 2, 1]
    assert await numbers(status="accepted") == [1]
    assert await numbers(type="complaint") == [2]
    assert await numbers(priority="high") == [2]
    assert await numbers(assigned_agent_id=bob.agent_id) == [3]
    assert await numbers(order_id=order.id) == [1]
    first = await ok(await api.get("/api/v1/cases", params={"limit": 2}))
    assert [c["number"] for c in first["items"]] == [3, 2]
    rest = await ok(
        await api.get("/api/v1/cases", params={"limit": 2, "cursor": first["next_cursor"]})
    )
    assert [c["number"] for c in rest["items"]] == [1] and rest["next_cursor"] is None
    bad = await api.get("/api/v1/cases", params={"status": "lost"})
    assert bad.status_code == 422


async def test_the_timeline_records_who_did_what(client, alice, bob, carol, order):
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    path = f"/api/v1/cases/{case['id']}"
    await ok(await client.as_(alice).post(f"{path}/transition", json={"to": "accepted"}))
    await ok(await client.as_(carol).post(f"{path}/assign", json={"agent_id": bob.agent_id}))
    await ok(
        await client.as_(bob).post(f"{path}/comments", json={"body": "已联系仓库确认退货地址"})
    )
    await ok(
        await client.as_(bob).post(
            f"{path}/transition", json={"to": "investigating", "note": "等仓库回复"}
        )
    )
    illegal = await client.as_(bob).post(f"{path}/transition", json={"to": "closed"})
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "illegal_transition"
    assert "from investigating to closed" in illegal.json()["error"]["message"]
    detail = await ok(await client.as_(alice).get(path))
    assert detail["assigned_agent_id"] == bob.agent_id
    assert [
        (e["kind"], e["actor_label"], e["to_status"], e["body"]) for e in detail["timeline"]
    ] == [
        ("created", "Alice", "new", None),
        ("status_changed", "Alice", "accepted", None),
        ("assigned", "Carol", None, None),
        ("commented", "Bob", None, "已联系仓库确认退货地址"),
        ("status_changed", "Bob", "investigating", "等仓库回复"),
    ]
    assert detail["timeline"][2]["data"]["after"] == {
        "assigned_agent_id": bob.agent_id,
        "team_id": None,
    }
    audit = await ok(await client.as_(carol).get("/api/v1/cases"))
    assert audit["items"][0]["status"] == "investigating"


async def test_assigning_to_another_shops_agent_is_not_found(client, alice, mallory, order):
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    response = await client.as_(alice).post(
        f"/api/v1/cases/{case['id']}/assign", json={"agent_id": mallory.agent_id}
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "agent_id"


async def test_the_case_list_exports_as_csv(client, owen, alice, carol, order):
    case = await open_case(client, alice, type="refund_only", order_line_id=order.mug_line_id)
    await open_case(client, alice, type="complaint", title='=HYPERLINK("x") 客服不回复')
    await ok(
        await client.as_(carol).post(
            f"/api/v1/cases/{case['id']}/compensations",
            json={"kind": "refund", "amount_cents": 3900},
        )
    )
    response = await client.as_(alice).get("/api/v1/cases/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["number"], r["type"], r["refunded"]) for r in rows] == [
        ("2", "complaint", "0.00"),
        ("1", "refund_only", "39.00"),
    ]
    assert rows[0]["title"].startswith("'=")  # a title is never a spreadsheet formula
    assert (rows[1]["order_external_id"], rows[1]["sku"]) == ("E2026110800123", "MUG-350")
    assert rows[1]["created_at"].endswith("+08:00")
    only = await client.as_(alice).get("/api/v1/cases/export.csv", params={"type": "complaint"})
    assert len(list(csv.DictReader(io.StringIO(only.text.lstrip("\ufeff"))))) == 1


@pytest.fixture(scope="session")
def _recorded(app) -> list[Event]:
    events: list[Event] = []
    app.state.bus.subscribe("*", events.append)
    return events


async def test_case_writes_publish_events_after_commit(client, alice, carol, order, _recorded):
    _recorded.clear()
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    path = f"/api/v1/cases/{case['id']}"
    await ok(await client.as_(alice).post(f"{path}/transition", json={"to": "accepted"}))
    await ok(await client.as_(alice).post(f"{path}/assign", json={"agent_id": alice.agent_id}))
    await ok(await client.as_(alice).post(f"{path}/comments", json={"body": "已安排上门取件"}))
    await ok(await client.as_(alice).post(f"{path}/compensations", json={"kind": "refund"}))
    await client.as_(alice).post(f"{path}/transition", json={"to": "closed"})  # refused: none
    names = [e.name for e in _recorded if e.name.startswith(("case.", "compensation."))]
    assert names == [
        "case.created",
        "case.status_changed",
        "case.assigned",
        "case.commented",
        "compensation.created",
    ]
    changed = next(e for e in _recorded if e.name == "case.status_changed")
    assert (changed.payload["from_status"], changed.payload["to_status"]) == ("new", "accepted")
    assert changed.recipients == frozenset({f"shop:{alice.shop_id}"})


async def test_an_analyst_reads_cases_but_works_on_none(client, sessionmaker, alice, order):
    async with sessionmaker() as session:
        shop = await session.get_one(Shop, alice.shop_id)
        analyst = await make_person(session, shop, "ana", Role.ANALYST)
        await session.commit()
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    path = f"/api/v1/cases/{case['id']}"
    assert (await client.as_(analyst).get(path)).status_code == 200
    assert (await client.as_(analyst).get("/api/v1/cases/export.csv")).status_code == 200
    for target, body in [
        ("/api/v1/cases", {"type": "complaint", "title": "投诉"}),
        (f"{path}/transition", {"to": "accepted"}),
        (f"{path}/assign", {"agent_id": None}),
        (f"{path}/comments", {"body": "看一下"}),
        (f"{path}/compensations", {"kind": "coupon", "amount_cents": 100}),
    ]:
        response = await client.as_(analyst).post(target, json=body)
        assert response.status_code == 403, (target, response.text)
