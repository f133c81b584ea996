"""Lifecycle journeys on a real database, with the clock passed in: steps fall due a set
number of days after a delivery, a birthday or a lapse; each is sent once per customer
and trigger (also with two workers at once); the monthly cap counts campaigns and
journeys together; quiet hours defer; an opt-out holds; the API and its refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from kefu.access import Actor
from kefu.crm.campaigns import do_launch
from kefu.crm.journey_runs import celebrated, run_due_journeys
from kefu.crm.journeys import do_create_journey
from kefu.crm.outreach import send_due_messages, widget_messages
from kefu.models import CampaignMessage, Customer, Visitor, WebhookDelivery
from tests.crm.shop_orders import seed_shop

HOOK = {"url": "https://sms.example.com/kefu", "event_types": ["campaign.message"]}
TIP = "{客户昵称}您好，{商品名}用得还顺手吗？第一次使用前建议先清洗一遍哦（订单{订单号}）"
REVIEW = "{客户昵称}，{商品名}已经陪伴您一周啦，满意的话麻烦抽空给个评价～"
BIRTHDAY = "{客户昵称}生日快乐！{店铺名}为您准备了一份生日专属礼券～"
RECALL = "{客户昵称}，好久不见！上次的{商品名}用完了吗？老朋友回归有小礼～"
START = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)  # the journeys are created then


@pytest.fixture
async def shop(client, owen) -> dict[str, int]:
    """acme's hand-worked customers and orders, a cap of 2, no quiet hours (the tests
    that need them set them), a webhook for campaign messages."""
    api = client.as_(owen)
    names = await seed_shop(api)
    settings = {"frequency_cap": 2, "quiet_hours": None}
    assert (await api.patch("/api/v1/shop/crm-settings", json=settings)).status_code == 200
    assert (await api.post("/api/v1/webhooks", json=HOOK)).status_code == 201
    return names


async def _deliver(api, order: str, at: datetime) -> None:
    shipment = {
        "external_id": f"S-{order}",
        "order_external_id": order,
        "carrier": "顺丰速运",
        "tracking_no": f"SF{order}",
        "status": "delivered",
        "delivered_at": at.isoformat(),
    }
    response = await api.post("/api/v1/shipments/bulk", json={"items": [shipment]})
    assert response.status_code == 200, response.text


async def _journey(session, owen, trigger="delivered", steps=None, **more) -> int:
    steps = steps or [
        {"delay_days": 3, "channel": "webhook", "template": TIP},
        {"delay_days": 7, "channel": "widget", "template": REVIEW},
    ]
    journey = await do_create_journey(
        session,
        Actor.system(owen.shop_id),
        START,
        name="签收关怀",
        trigger=trigger,
        steps=steps,
        **more,
    )
    await session.commit()
    return journey.id


async def _messages(session) -> list[CampaignMessage]:
    session.expire_all()
    return list((await session.scalars(select(CampaignMessage).order_by(CampaignMessage.id))).all())


async def test_steps_fall_due_after_delivery_once_each(client, owen, shop, session, sessionmaker):
    api = client.as_(owen)
    delivered = datetime(2026, 3, 21, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    await _deliver(api, "E1005", delivered)  # 韩梅梅
    await _deliver(api, "E1002", START - timedelta(hours=1))  # before the journey: never
    journey_id = await _journey(session, owen)
    assert await run_due_journeys(sessionmaker, delivered + timedelta(days=2)) == 0
    assert await run_due_journeys(sessionmaker, delivered + timedelta(days=3, minutes=1)) == 1
    # The same clock again, and a minute later: the window was handled, nothing twice.
    assert await run_due_journeys(sessionmaker, delivered + timedelta(days=3, minutes=1)) == 0
    assert await run_due_journeys(sessionmaker, delivered + timedelta(days=3, minutes=5)) == 0
    (tip,) = await _messages(session)
    assert tip.customer_id == shop["韩梅梅"] and tip.trigger_key.startswith("order:")
    assert (
        tip.body == "梅子您好，精品挂耳咖啡用得还顺手吗？第一次使用前建议先清洗一遍哦（订单E1005）"
    )
    (delivery,) = (await session.scalars(select(WebhookDelivery))).all()
    assert delivery.payload["text"] == tip.body
    assert delivery.payload["journey"] == {"id": journey_id, "name": "签收关怀", "step": 1}
    assert await run_due_journeys(sessionmaker, delivered + timedelta(days=7, minutes=1)) == 1
    review = (await _messages(session))[1]
    assert review.body.startswith("梅子，精品挂耳咖啡已经陪伴您一周啦")
    # The widget shows the review request on her next visit, once.
    visitor = Visitor(shop_id=owen.shop_id, public_id="v-hmm", customer_id=shop["韩梅梅"])
    session.add(visitor)
    await session.commit()
    shopper = Actor.visitor(owen.shop_id, visitor.id, visitor.public_id)
    assert await widget_messages(session, shopper, delivered + timedelta(days=8)) == [review.body]
    assert await widget_messages(session, shopper, delivered + timedelta(days=9)) == []
    await session.commit()
    # A customer who buys within the conversion window (7 days) counts as converted.
    order = {
        "external_id": "E2001",
        "customer_external_id": "C-HMM",
        "status": "paid",
        "placed_at": (delivered + timedelta(days=5)).isoformat(),
        "lines": [{"sku": "SKU-9", "title": "咖啡滤纸", "quantity": 1, "unit_price_cents": 1290}],
    }
    assert (await api.post("/api/v1/orders/bulk", json={"items": [order]})).status_code == 200
    listed = (await api.get("/api/v1/journeys")).json()["items"]
    steps = listed[0]["steps"]
    assert [(s["position"], s["sent"], s["converted"]) for s in steps] == [(1, 1, 1), (2, 1, 0)]
    assert steps[0]["revenue_cents"] == 1290


async def test_cap_across_campaigns_opt_out_and_quiet_hours(
    client, owen, shop, session, sessionmaker
):
    api = client.as_(owen)
    await api.patch("/api/v1/shop/crm-settings", json={"frequency_cap": 1})
    await api.put(f"/api/v1/customers/{shop['李雷']}/opt-out", json={"opted_out": True})
    # 赵敏 already had this month's one message from a campaign.
    campaign = {
        "name": "会员日",
        "tag": "会员",
        "channel": "widget",
        "variants": [{"text": "会员日快乐"}],
    }
    system = Actor.system(owen.shop_id)
    created = (await api.post("/api/v1/campaigns", json=campaign)).json()
    now = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    await do_launch(session, system, created["id"], now)
    steps = [{"delay_days": 0, "channel": "webhook", "template": TIP}]
    journey = await do_create_journey(
        session, system, now, name="签收即问候", trigger="delivered", steps=steps
    )
    await session.commit()
    path = f"/api/v1/journeys/{journey.id}"
    for order in ("E1002", "E1006", "E1005"):  # 李雷 (opted out), 赵敏 (capped), 韩梅梅
        await _deliver(api, order, now + timedelta(minutes=1))
    # 23:30 in Shanghai: quiet hours (default 22:00–08:00) defer 韩梅梅's message to 08:00.
    await api.patch("/api/v1/shop/crm-settings", json={"quiet_hours": ["22:00", "08:00"]})
    night = datetime(2026, 3, 20, 15, 30, tzinfo=UTC)
    morning = datetime(2026, 3, 21, 0, 0, tzinfo=UTC)
    assert await run_due_journeys(sessionmaker, night) == 1
    waiting = next(m for m in await _messages(session) if m.journey_step_id)
    assert waiting.customer_id == shop["韩梅梅"] and waiting.sent_at is None
    assert waiting.send_at == morning
    assert (await session.scalars(select(WebhookDelivery))).all() == []
    step = (await api.get(path)).json()["steps"][0]
    assert (step["sent"], step["waiting"], step["capped"], step["opted_out"]) == (0, 1, 1, 1)
    assert await send_due_messages(session, morning) == 1
    await session.commit()
    (delivery,) = (await session.scalars(select(WebhookDelivery))).all()
    assert delivery.payload["customer"]["external_id"] == "C-HMM"
    step = (await api.get(path)).json()["steps"][0]
    assert (step["sent"], step["waiting"]) == (1, 0)


async def test_an_opt_out_drops_a_waiting_journey_message(
    client, owen, shop, session, sessionmaker
):
    api = client.as_(owen)
    await api.patch("/api/v1/shop/crm-settings", json={"quiet_hours": ["00:00", "23:59"]})
    journey_id = await _journey(
        session, owen, steps=[{"delay_days": 0, "channel": "widget", "template": TIP}]
    )
    await _deliver(api, "E1005", START + timedelta(hours=1))
    assert await run_due_journeys(sessionmaker, START + timedelta(hours=2)) == 1
    await api.put(f"/api/v1/customers/{shop['韩梅梅']}/opt-out", json={"opted_out": True})
    assert await _messages(session) == []
    step = (await api.get(f"/api/v1/journeys/{journey_id}")).json()["steps"][0]
    assert (step["waiting"], step["opted_out"]) == (0, 1)


async def test_birthdays_and_lapsed_customers(client, owen, shop, session, sessionmaker):
    await session.execute(
        update(Customer).where(Customer.id == shop["王芳"]).values(birthday=date(1990, 3, 28))
    )
    await session.execute(
        update(Customer).where(Customer.id == shop["赵敏"]).values(birthday=date(1992, 2, 29))
    )
    await session.commit()
    await _journey(
        session, owen, "birthday", [{"delay_days": 0, "channel": "widget", "template": BIRTHDAY}]
    )
    recall = [{"delay_days": 0, "channel": "widget", "template": RECALL}]
    await _journey(session, owen, "lapsed", recall, lapse_days=30)
    # 28 March, 10:00 in Shanghai is 02:00 UTC: 王芳's birthday greeting, not before.
    assert await run_due_journeys(sessionmaker, datetime(2026, 3, 28, 1, 59, tzinfo=UTC)) == 0
    assert await run_due_journeys(sessionmaker, datetime(2026, 3, 28, 2, 0, tzinfo=UTC)) == 1
    (greeting,) = await _messages(session)
    assert (greeting.customer_id, greeting.trigger_key) == (shop["王芳"], "birthday:2026")
    assert greeting.body.startswith("芳芳生日快乐！")
    # 李雷's last paid order (E1003, 15 March 12:00) is 30 days old on 14 April 12:00;
    # 王芳 (20 March) and 赵敏 (25 March) bought later.
    assert await run_due_journeys(sessionmaker, datetime(2026, 4, 14, 5, 0, tzinfo=UTC)) == 1
    recalled = (await _messages(session))[-1]
    assert (recalled.customer_id, recalled.trigger_key[:6]) == (shop["李雷"], "lapse:")
    assert recalled.body == "雷哥，好久不见！上次的精品挂耳咖啡用完了吗？老朋友回归有小礼～"
    assert celebrated(date(1992, 2, 29), 2027) == date(2027, 2, 28)
    assert celebrated(date(1992, 2, 29), 2028) == date(2028, 2, 29)


async def test_two_workers_send_each_step_once(client, owen, shop, session, sessionmaker):
    api = client.as_(owen)
    await _journey(session, owen, steps=[{"delay_days": 1, "channel": "webhook", "template": TIP}])
    for order in ("E1005", "E1006", "E1002", "E1001"):
        await _deliver(api, order, START + timedelta(hours=2))
    due = START + timedelta(days=1, hours=3)
    made = await asyncio.gather(*(run_due_journeys(sessionmaker, due) for _ in range(2)))
    assert sum(made) == 4
    rows = await _messages(session)
    assert sorted(m.customer_id for m in rows) == sorted(
        shop[n] for n in ("韩梅梅", "赵敏", "李雷", "王芳")
    )
    assert len((await session.scalars(select(WebhookDelivery))).all()) == 4


async def test_roles_other_shops_and_refusals(client, owen, carol, alice, mallory, shop):
    body = {
        "name": "沉睡召回",
        "trigger": "lapsed",
        "lapse_days": 60,
        "steps": [{"delay_days": 0, "channel": "widget", "template": RECALL}],
    }
    created = await client.as_(carol).post("/api/v1/journeys", json=body)
    assert created.status_code == 201, created.text
    journey = created.json()
    assert journey["steps"][0]["sent"] == 0 and journey["active"] is True
    assert (await client.as_(alice).post("/api/v1/journeys", json=body)).status_code == 403
    assert (await client.as_(alice).get(f"/api/v1/journeys/{journey['id']}")).status_code == 200
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "偷看"}} if method == "patch" else {}
        answer = await getattr(client.as_(mallory), method)(
            f"/api/v1/journeys/{journey['id']}", **kwargs
        )
        assert answer.status_code == 404
    assert (await client.as_(mallory).get("/api/v1/journeys")).json()["items"] == []
    two = body["steps"] + [
        {"delay_days": 30, "channel": "webhook", "template": "{客户昵称}，想您啦"}
    ]
    patched = await client.as_(carol).patch(
        f"/api/v1/journeys/{journey['id']}", json={"steps": two}
    )
    assert [s["delay_days"] for s in patched.json()["steps"]] == [0, 30]
    assert patched.json()["steps"][0]["id"] == journey["steps"][0]["id"]
    assert (await client.as_(carol).delete(f"/api/v1/journeys/{journey['id']}")).status_code == 204
    assert (await client.as_(carol).get(f"/api/v1/journeys/{journey['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"steps": [{"delay_days": 0, "channel": "widget", "template": "{客户名}你好"}]},
            "steps.0.template",
        ),
        (
            {
                "trigger": "birthday",
                "lapse_days": None,
                "steps": [{"delay_days": 0, "channel": "widget", "template": "订单{订单号}"}],
            },
            "steps.0.template",
        ),
        ({"lapse_days": None}, "lapse_days"),
        ({"lapse_days": 10**12}, "lapse_days"),
        ({"steps": []}, "steps"),
        (
            {"steps": [{"delay_days": 400, "channel": "widget", "template": "亲"}]},
            "steps.0.delay_days",
        ),
        ({"name": "  "}, "name"),
        ({"trigger": "delivered"}, "lapse_days"),
    ],
)
async def test_bad_journeys_are_refused(client, carol, change, field):
    body = {
        "name": "沉睡召回",
        "trigger": "lapsed",
        "lapse_days": 60,
        "steps": [{"delay_days": 0, "channel": "widget", "template": RECALL}],
    } | change
    refused = await client.as_(carol).post("/api/v1/journeys", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
