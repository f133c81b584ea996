"""A customer at a glance: what they are worth, how they buy (the seeds' 讲价型, 拍下不买型
…) and how the shop has been in touch, as the customer page, the API and the panel beside
a conversation show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kefu.lib.cases import CaseStatus, CaseType
from kefu.models import Case, Conversation, Customer, Order, OrderStatus
from kefu.models.cases import CaseSource
from kefu.models.crm import CampaignMessage

T0 = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


async def haggling_returner(sessionmaker, shop_id: int) -> int:
    """刘洋: three orders paid (one of them refunded), two cancelled before paying; two
    chats asking for a lower price; two return cases and a closed complaint."""
    async with sessionmaker() as s:
        customer = Customer(shop_id=shop_id, external_id="C-5501", name="刘洋", tags=[])
        s.add(customer)
        await s.flush()
        orders = [
            (OrderStatus.COMPLETED, 19900, True),
            (OrderStatus.DELIVERED, 25900, True),
            (OrderStatus.PAID, 8900, True),
            (OrderStatus.REFUNDED, 50000, True),
            (OrderStatus.CANCELLED, 12900, False),
            (OrderStatus.CANCELLED, 12900, False),
        ]
        for i, (status, cents, paid) in enumerate(orders):
            s.add(
                Order(
                    shop_id=shop_id,
                    external_id=f"E-5501-{i}",
                    customer_id=customer.id,
                    status=status,
                    total_cents=cents,
                    placed_at=T0 + timedelta(days=i),
                    paid_at=T0 + timedelta(days=i, minutes=5) if paid else None,
                )
            )
        for intent in ("presale.bargain", "presale.bargain", "presale.size_advice"):
            s.add(Conversation(shop_id=shop_id, customer_id=customer.id, intent=intent))
        cases = [
            (CaseType.RETURN, CaseStatus.CLOSED),
            (CaseType.EXCHANGE, CaseStatus.INVESTIGATING),
            (CaseType.COMPLAINT, CaseStatus.CLOSED),
        ]
        for number, (kind, status) in enumerate(cases, start=1):
            s.add(
                Case(
                    shop_id=shop_id,
                    number=number,
                    type=kind,
                    status=status,
                    source=CaseSource.API,
                    title=f"刘洋的工单 {number}",
                    customer_id=customer.id,
                )
            )
        await s.commit()
        return customer.id


async def test_the_summary_reads_worth_and_habits_off_the_history(client, alice, sessionmaker):
    customer_id = await haggling_returner(sessionmaker, alice.shop_id)
    async with client.as_(alice) as c:
        summary = (await c.get(f"/api/v1/customers/{customer_id}/summary")).json()
    assert summary["lifetime_value_cents"] == 19900 + 25900 + 8900, "refunded and unpaid left out"
    assert (summary["paid_orders"], summary["average_order_cents"]) == (3, 18233)
    assert summary["first_order_at"].startswith("2026-10-01T02:05")
    assert (summary["conversations"], summary["cases"], summary["open_cases"]) == (3, 3, 1)
    assert summary["behaviours"] == [
        "bargainer",
        "unpaid_orders",
        "frequent_returns",
        "complained",
        "loyal",
    ]


async def test_one_of_a_kind_is_chance_not_a_habit(client, alice, sessionmaker):
    async with sessionmaker() as s:
        customer = Customer(shop_id=alice.shop_id, external_id="C-5502", name="新客", tags=[])
        s.add(customer)
        await s.flush()
        s.add(
            Conversation(shop_id=alice.shop_id, customer_id=customer.id, intent="presale.bargain")
        )
        s.add(
            CampaignMessage(
                shop_id=alice.shop_id,
                customer_id=customer.id,
                variant="A",
                body="新品到店啦",
                send_at=T0,
            )
        )
        await s.commit()
    async with client.as_(alice) as c:
        summary = (await c.get(f"/api/v1/customers/{customer.id}/summary")).json()
    assert summary["behaviours"] == []
    assert (summary["lifetime_value_cents"], summary["average_order_cents"]) == (0, None)
    assert summary["campaign_messages"] == 1


async def test_another_shop_gets_no_summary(client, mallory, alice, sessionmaker):
    customer_id = await haggling_returner(sessionmaker, alice.shop_id)
    async with client.as_(mallory) as c:
        answer = await c.get(f"/api/v1/customers/{customer_id}/summary")
    assert answer.status_code == 404
