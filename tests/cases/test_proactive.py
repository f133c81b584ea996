"""Proactive exceptions on a real database with the clock passed in: each rule opens
exactly one case (and at most one notice in the shopper's widget conversation), ever,
also with two workers at once; a disabled rule does nothing; thresholds hold; the
settings API checks what it is sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from kefu.access import Actor
from kefu.actions.cases import do_open_case
from kefu.actions.proactive import run_proactive_rules
from kefu.channels.email.replies import compose
from kefu.models import (
    AuditEntry,
    Case,
    CaseEvent,
    Conversation,
    Customer,
    Mail,
    Mailbox,
    Message,
    Order,
    OrderLine,
    OrderStatus,
    ProactiveException,
    Product,
    SenderKind,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    Visitor,
)
from kefu.worker import Worker

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)


def _order(shop_id: int, customer_id: int, number: str, status: OrderStatus, **more) -> Order:
    return Order(
        shop_id=shop_id,
        external_id=number,
        customer_id=customer_id,
        status=status,
        total_cents=0,
        placed_at=NOW - timedelta(days=8),
        paid_at=NOW - timedelta(days=8),
        **more,
    )


def _line(order: Order, product: Product, unit_price_cents: int) -> OrderLine:
    return OrderLine(
        shop_id=order.shop_id,
        line_no=len(order.lines) + 1,
        product_id=product.id,
        sku=product.sku,
        title=product.title,
        quantity=1,
        unit_price_cents=unit_price_cents,
        amount_cents=unit_price_cents,
    )


async def seed(session, shop_id: int) -> dict[str, int]:
    """One signed-in shopper (小王) with five orders: a parcel stalled 5 days, one that
    moved 2 days ago, an order promised yesterday and not shipped, a paid order of a
    product out of stock, and a paid order sold at 30 % of the price."""
    customer = Customer(shop_id=shop_id, external_id="C1", nickname="小王", tags=[])
    session.add(customer)
    await session.flush()
    session.add(Visitor(shop_id=shop_id, public_id="v-proactive-1", customer_id=customer.id))
    gone = Product(
        shop_id=shop_id,
        external_id="P1",
        sku="MUG-350",
        title="陶瓷马克杯",
        price_cents=3900,
        stock=0,
    )
    flask = Product(
        shop_id=shop_id, external_id="P2", sku="FLASK", title="保温杯", price_cents=10000, stock=8
    )
    session.add_all([gone, flask])
    await session.flush()
    orders = {
        "stalled": _order(shop_id, customer.id, "E1", OrderStatus.SHIPPED),
        "moving": _order(shop_id, customer.id, "E2", OrderStatus.SHIPPED),
        "late": _order(
            shop_id, customer.id, "E3", OrderStatus.PAID, promised_at=NOW - timedelta(days=1)
        ),
        "stock": _order(shop_id, customer.id, "E4", OrderStatus.PAID),
        "price": _order(shop_id, customer.id, "E5", OrderStatus.PAID),
    }
    for key, order in orders.items():
        order.lines = []
        order.lines.append(
            _line(
                order,
                gone if key == "stock" else flask,
                3000 if key == "price" else 10000 if key != "stock" else 3900,
            )
        )
    session.add_all(orders.values())
    await session.flush()
    for key, (days, number) in {"stalled": (5, "SF100"), "moving": (2, "SF200")}.items():
        shipment = Shipment(
            shop_id=shop_id,
            external_id=number,
            order_id=orders[key].id,
            carrier="顺丰",
            tracking_no=number,
            status=ShipmentStatus.IN_TRANSIT,
            shipped_at=NOW - timedelta(days=7),
        )
        shipment.events = [
            TrackingEvent(
                shop_id=shop_id,
                at=NOW - timedelta(days=days),
                status=ShipmentStatus.IN_TRANSIT,
                location="杭州",
                description="运输中",
            )
        ]
        session.add(shipment)
    await session.commit()
    return {key: order.id for key, order in orders.items()}


async def _cases(session) -> dict[int, Case]:
    session.expire_all()
    return {c.order_id: c for c in (await session.scalars(select(Case).order_by(Case.id))).all()}


async def _notices(session) -> list[Message]:
    return list(
        await session.scalars(
            select(Message).where(Message.sender_kind == SenderKind.SYSTEM).order_by(Message.id)
        )
    )


async def test_each_rule_opens_one_case_and_one_notice(client, owen, session, sessionmaker):
    ids = await seed(session, owen.shop_id)
    api = client.as_(owen)
    response = await api.patch(
        "/api/v1/shop/case-settings", json={"proactive": {"price_error": {"enabled": True}}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["proactive"]["price_error"]["enabled"] is True
    assert response.json()["proactive"]["stalled"]["threshold"] == 3

    assert await run_proactive_rules(sessionmaker, NOW) == 4
    assert await run_proactive_rules(sessionmaker, NOW + timedelta(hours=1)) == 0
    cases = await _cases(session)
    assert set(cases) == {ids["stalled"], ids["late"], ids["stock"], ids["price"]}
    assert {c.source.value for c in cases.values()} == {"proactive"}
    stalled = cases[ids["stalled"]]
    assert (stalled.type.value, stalled.evidence) == ("logistics", {"tracking_no": "SF100"})
    assert "5 天无物流更新" in stalled.title
    # Promised yesterday, never shipped: nothing to chase at a carrier → a consultation.
    assert cases[ids["late"]].type.value == "consultation"
    assert cases[ids["stock"]].type.value == "consultation"
    assert cases[ids["stock"]].order_line_id is not None
    price = cases[ids["price"]]
    assert (price.type.value, price.priority.value) == ("consultation", "high")
    assert "30.00 元" in price.description

    notices = await _notices(session)
    bodies = [m.body for m in notices]
    assert len(bodies) == 3  # the price error tells the shopper nothing by default
    assert bodies[0].startswith("小王您好，您的订单 E1（运单号 SF100）")
    assert "您的订单 E3" in bodies[1] and "{" not in bodies[1]
    assert "「陶瓷马克杯」暂时缺货" in bodies[2]
    conversation = await session.get_one(Conversation, notices[0].conversation_id)
    assert {m.conversation_id for m in notices} == {conversation.id}
    assert conversation.channel.value == "web" and conversation.visitor_id is not None
    assert stalled.conversation_id == conversation.id

    created = await session.scalar(
        select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "created")
    )
    audits = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "case.open")
    )
    assert (created, audits) == (4, 4)
    # A case gone since does not make the rule fire again on its parcel; a day later only
    # the other parcel (now 3 days quiet) gets one.
    await session.delete(await session.get_one(Case, stalled.id))
    await session.commit()
    assert await run_proactive_rules(sessionmaker, NOW + timedelta(days=1)) == 1
    assert set(await _cases(session)) == {ids["moving"], ids["late"], ids["stock"], ids["price"]}


async def test_disabled_rules_and_thresholds(client, owen, session, sessionmaker):
    ids = await seed(session, owen.shop_id)
    api = client.as_(owen)
    change = {
        "stalled": {"threshold": 6},
        "late": {"enabled": False},
        "out_of_stock": {"notice": ""},
        "price_error": {"enabled": True, "threshold": 20},
    }
    response = await api.patch("/api/v1/shop/case-settings", json={"proactive": change})
    assert response.status_code == 200, response.text
    assert await run_proactive_rules(sessionmaker, NOW) == 1
    assert set(await _cases(session)) == {ids["stock"]}
    assert await _notices(session) == []  # its notice was emptied

    # Another day without movement: the stalled parcel reaches 6 days.
    assert await run_proactive_rules(sessionmaker, NOW + timedelta(days=1)) == 1
    assert set(await _cases(session)) == {ids["stock"], ids["stalled"]}
    # The moving parcel's 3 days (at day +1) stay under 6; price 30 % ≥ 20 %.
    late = await api.patch(
        "/api/v1/shop/case-settings", json={"proactive": {"late": {"enabled": True}}}
    )
    assert late.json()["proactive"]["stalled"]["threshold"] == 6  # other rules kept
    assert await run_proactive_rules(sessionmaker, NOW + timedelta(days=1)) == 1
    assert len(await _notices(session)) == 2


async def test_bad_settings_are_refused(client, owen, alice):
    api = client.as_(owen)
    for change, field in [
        ({"stalled": {"threshold": 0}}, "proactive.stalled.threshold"),
        ({"nope": {}}, "proactive.nope"),
        ({"late": {"notice": "{客户名}您好"}}, "proactive.late.notice"),
        ({"late": {"enabled": "yes"}}, "proactive.late.enabled"),
        ({"late": {"colour": 1}}, "proactive.late"),
    ]:
        response = await api.patch("/api/v1/shop/case-settings", json={"proactive": change})
        assert response.status_code == 422, response.text
        assert field in response.text
    refused = await client.as_(alice).patch(
        "/api/v1/shop/case-settings", json={"proactive": {"late": {"enabled": False}}}
    )
    assert refused.status_code == 403


async def test_two_workers_open_each_case_once(owen, session, sessionmaker):
    await seed(session, owen.shop_id)
    made = await asyncio.gather(*(run_proactive_rules(sessionmaker, NOW) for _ in range(2)))
    assert sum(made) == 3
    assert len(await _cases(session)) == 3
    assert len(await _notices(session)) == 3
    rows = await session.scalar(select(func.count()).select_from(ProactiveException))
    assert rows == 3


async def test_a_customer_with_an_address_also_gets_the_notice_by_mail(owen, session, sessionmaker):
    ids = await seed(session, owen.shop_id)
    customer = await session.scalar(select(Customer).where(Customer.external_id == "C1"))
    customer.email = "xiaowang@example.com"
    session.add(
        Mailbox(
            shop_id=owen.shop_id,
            from_address="service@acme.example",
            from_name="Acme 客服",
            imap_host="127.0.0.1",
            imap_username="service",
            imap_password="x",
            smtp_host="127.0.0.1",
        )
    )
    await session.commit()
    assert await run_proactive_rules(sessionmaker, NOW) == 3
    cases = await _cases(session)
    mails = (await session.scalars(select(Mail).order_by(Mail.id))).all()
    assert [(m.kind.value, m.state.value, m.to_addresses) for m in mails] == [
        ("notice", "queued", ["xiaowang@example.com"])
    ] * 3
    first = mails[0]
    assert first.case_id == cases[ids["stalled"]].id
    assert first.subject == f"关于您的订单 E1 [#C-{cases[ids['stalled']].number}]"
    assert first.text_body.startswith("小王您好，您的订单 E1（运单号 SF100）")
    composed = compose(first, first.text_body)
    assert (composed["Auto-Submitted"], composed["X-Auto-Response-Suppress"]) == (
        "auto-generated",
        None,
    )
    # Without an active mailbox: the widget notice only (the other parcel, a day later).
    await session.execute(update(Mailbox).values(active=False))
    await session.commit()
    assert await run_proactive_rules(sessionmaker, NOW + timedelta(days=1)) == 1
    assert len((await session.scalars(select(Mail))).all()) == 3


async def test_an_order_already_followed_gets_no_second_logistics_case(owen, session, sessionmaker):
    ids = await seed(session, owen.shop_id)
    asked = await do_open_case(
        session,
        Actor.system(owen.shop_id, "智能客服"),
        type="logistics",
        title="物流停滞：订单 E1",
        evidence={"tracking_no": "SF100"},
        order_id=ids["stalled"],
    )
    await session.commit()
    assert await run_proactive_rules(sessionmaker, NOW) == 2  # late and out of stock
    assert [c.id for c in (await _cases(session)).values() if c.order_id == ids["stalled"]] == [
        asked.id
    ]


async def test_the_worker_runs_the_rules_in_its_hourly_round(owen, session, sessionmaker, settings):
    """``kefu worker`` (and ``kefu serve`` with the worker on) runs this same round."""
    ids = await seed(session, owen.shop_id)  # a week old by the real clock, or older
    wanted = {ids["stalled"], ids["late"], ids["stock"]}
    worker = Worker(sessionmaker, settings.model_copy(update={"worker_poll_seconds": 0.1}))
    worker.start()
    try:
        for _ in range(200):  # × 0.05 s: a safety net, not a timing assertion
            if wanted <= set(await _cases(session)):
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    assert wanted <= set(await _cases(session))
