"""Every KPI of docs/kpis.md against a day of acme's service driven through the real
actions (the widget, the agents' API, cases, orders, the FAQ bot, presence), with the
figures worked out by hand below.

How long a shopper waited is the one thing a test cannot wait for: the conversation's
``awaiting_since`` (when the oldest unanswered shopper message was sent) is moved back
before the reply, and the expected seconds are counted from there to the reply's stored
time, as the definition says.

The day (six conversations, two cases, two paid orders):
- C1 presale (an inquiry), customer C-1: alice answers after 60 s, closes; 5 stars. C-1
  then pays 158.00 (a conversion for alice) and 42.00 (a repeat order).
- C2 aftersale: bob answers after 300 s, again after 100 s, transfers to alice, who
  closes; 2 stars (a negative review, alice's): a review follow-up opens for alice, who
  calls the shopper back and ends it recovered.
- C3 complaint, the same shopper within 72 h: C2's resolution is undone (a repeat
  contact, alice's). Alice answers after 30 s with a reply the inspector flags, opens a
  complaint case, grants a 10.00 coupon and resolves it (settled, not yet recovered:
  settling is not recovering; both SLA targets met), closes C3; 4 stars (a complaint
  rated well: recovered); alice then ends its follow-up recovered too (not twice).
- A complaint case without a conversation whose first-response target is breached.
- C5 insale, written at night (off hours): bob answers 10 hours later, closes.
- C6 the bot answers, then hands over on request; alice answers 120 s after that.
- C7 the bot answers and nobody else is needed (contained).
- Alice is online for the last 100 minutes before this hour."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from kefu.actions.escalations import do_sweep_sla
from kefu.lib.tokens import customer_signature
from kefu.models import Agent, Conversation, Shop
from kefu.models.base import utcnow
from kefu.models.cases import Case
from kefu.reports.activity_facts import count_online_hours
from kefu.reports.overview import read_agent_board, read_overview
from kefu.reports.periods import Period, shop_zone
from kefu.reports.rollup import fold_all, hour_of
from kefu.reports.totals import read_totals
from tests.chat.conftest import Shopper, make_shopper
from tests.knowledge.conftest import OPEN, say, seed_faq

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COSTS = {"cost_per_agent_hour_cents": 3600, "cost_per_conversation_cents": 100}


async def _ok(response):
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json() if response.content else None


class Day:
    """Drives the day and keeps what the figures are computed from."""

    def __init__(self, client, sessionmaker, personas) -> None:
        self.client, self.sessionmaker = client, sessionmaker
        self.alice, self.bob, self.carol, self.owen = personas
        self.first: dict[str, list[int]] = {"alice": [], "bob": []}  # first responses
        self.responses: list[int] = []

    async def shopper(self, skill: str, *, customer: str | None = None) -> Shopper:
        if customer is None:
            return await make_shopper(self.client, "acme", skill=skill)
        async with self.sessionmaker() as session:
            secret = (await session.get(Shop, self.owen.shop_id)).widget_secret
        signed = {
            "customer_id": customer,
            "customer_signature": customer_signature(secret, customer),
        }
        issued = await _ok(await self.client.post("/api/v1/widget/acme/visitors", json=signed))
        return await self.again(Shopper(issued["token"], issued["visitor_id"], 0), skill)

    async def again(self, shopper: Shopper, skill: str) -> Shopper:
        """The same visitor starts a new conversation."""
        started = await _ok(
            await self.client.post(
                "/api/v1/widget/conversations", json={"skill": skill}, headers=shopper.headers
            )
        )
        return Shopper(shopper.token, shopper.public_id, started["id"])

    async def assign(self, shopper: Shopper, persona) -> None:
        path = f"/api/v1/conversations/{shopper.conversation_id}/assign"
        await _ok(await self.client.as_(self.carol).post(path, json={"agent_id": persona.agent_id}))

    async def reply(
        self, shopper: Shopper, persona, waited: int, body: str, *, first: bool
    ) -> None:
        """``persona`` answers a shopper who has waited ``waited`` seconds."""
        since = utcnow() - timedelta(seconds=waited)
        async with self.sessionmaker() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == shopper.conversation_id)
                .values(awaiting_since=since)
            )
            await session.commit()
        path = f"/api/v1/conversations/{shopper.conversation_id}/messages"
        sent = await _ok(
            await self.client.as_(persona).post(
                path, json={"client_id": str(uuid.uuid4()), "body": body}
            )
        )
        seconds = int((datetime.fromisoformat(sent["created_at"]) - since).total_seconds())
        self.responses.append(seconds)
        if first:
            self.first[persona.name].append(seconds)

    async def close(self, shopper: Shopper, persona) -> None:
        path = f"/api/v1/conversations/{shopper.conversation_id}/close"
        await _ok(await self.client.as_(persona).post(path, json={"disposition": "resolved"}))

    async def rate(self, shopper: Shopper, stars: int) -> None:
        path = f"/api/v1/widget/conversations/{shopper.conversation_id}/rating"
        await _ok(await self.client.post(path, json={"rating": stars}, headers=shopper.headers))

    async def paid_order(self, external_id: str, cents: int, paid_at: datetime) -> None:
        order = {
            "external_id": external_id,
            "customer_external_id": "C-1",
            "status": "paid",
            "placed_at": paid_at.isoformat(),
            "paid_at": paid_at.isoformat(),
            "lines": [{"sku": "S-1", "title": "T恤", "quantity": 1, "unit_price_cents": cents}],
        }
        api = self.client.as_(self.owen)
        await _ok(await api.post("/api/v1/orders/bulk", json={"items": [order]}))

    async def complaint_case(self, conversation_id: int | None) -> int:
        body = {"type": "complaint", "title": "客服回复太慢"}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        case = await _ok(await self.client.as_(self.alice).post("/api/v1/cases", json=body))
        return case["id"]


async def _play(day: Day) -> None:
    api = day.client.as_(day.owen)
    await seed_faq(day.client, day.owen, mode="off", hours=OPEN)
    await _ok(await api.patch("/api/v1/shop/reporting", json=COSTS))
    policy = {"case_type": "complaint", "first_response_minutes": 30, "resolve_minutes": 960}
    await _ok(await api.post("/api/v1/sla-policies", json=policy))
    await _ok(await api.post("/api/v1/customers/bulk", json={"items": [{"external_id": "C-1"}]}))
    alice, bob = day.alice, day.bob

    c1 = await day.shopper("presale", customer="C-1")
    await day.assign(c1, alice)
    await say(day.client, c1, "请问这件T恤有M码吗")
    await day.reply(c1, alice, 60, "亲，M码有货的，可以放心下单哦", first=True)
    await day.close(c1, alice)
    await day.rate(c1, 5)
    now = utcnow()
    await day.paid_order("E-1", 15800, now)
    await day.paid_order("E-2", 4200, now + timedelta(seconds=1))

    c2 = await day.shopper("aftersale")
    await day.assign(c2, bob)
    await say(day.client, c2, "我的快递三天没动了")
    await day.reply(c2, bob, 300, "亲，已为您查询物流，明天送达", first=True)
    await say(day.client, c2, "能再快点吗")
    await day.reply(c2, bob, 100, "已经帮您登记加急了，明天上午我再查一次物流告诉您", first=False)
    await day.assign(c2, alice)  # bob's transfer (carol moves it)
    await day.close(c2, alice)
    await day.rate(c2, 2)
    followups = await _ok(
        await day.client.as_(alice).get("/api/v1/cases", params={"type": "review_followup"})
    )
    [followup] = followups["items"]
    await _ok(
        await day.client.as_(alice).post(
            f"/api/v1/cases/{followup['id']}/outcome",
            json={"outcome": "recovered", "note": "电话回访，客户已谅解"},
        )
    )

    c3 = await day.again(c2, "complaint")
    await day.assign(c3, alice)
    await say(day.client, c3, "我要投诉，问了三次都没人管")
    await day.reply(c3, alice, 30, "这都不懂吗？点立即购买就行", first=True)
    case_id = await day.complaint_case(c3.conversation_id)
    cases = day.client.as_(alice)
    await _ok(
        await cases.post(
            f"/api/v1/cases/{case_id}/compensations", json={"kind": "coupon", "amount_cents": 1000}
        )
    )
    for status in ("accepted", "resolved"):
        await _ok(await cases.post(f"/api/v1/cases/{case_id}/transition", json={"to": status}))
    await day.close(c3, alice)
    await day.rate(c3, 4)
    path = f"/api/v1/cases/{case_id}/outcome"
    await _ok(await cases.post(path, json={"outcome": "recovered"}))

    late_case = await day.complaint_case(None)
    async with day.sessionmaker() as session:
        past = utcnow() - timedelta(minutes=1)
        await session.execute(
            update(Case)
            .where(Case.id == late_case)
            .values(first_response_due_at=past, sla_check_at=past)
        )
        await do_sweep_sla(session, utcnow())
        await session.commit()

    c5 = await day.shopper("insale")
    await day.assign(c5, bob)
    await say(day.client, c5, "还在吗？我想换个颜色")
    await day.reply(c5, bob, 10 * 3600, "抱歉让您久等了，您的订单我现在就去仓库核对", first=True)
    await day.close(c5, bob)

    await _ok(await api.patch("/api/v1/shop/bot", json={"mode": "always"}))
    c6 = await day.shopper("aftersale")
    await say(day.client, c6, "請問怎麼退貨？")
    await say(day.client, c6, "转人工")
    await day.assign(c6, alice)
    await day.reply(c6, alice, 120, "您好，我是小艾，这就帮您查这个订单的物流", first=True)
    c7 = await day.shopper("aftersale")
    await say(day.client, c7, "請問怎麼退貨？")
    await _ok(await api.patch("/api/v1/shop/bot", json={"mode": "off"}))

    await _ok(await day.client.as_(alice).put("/api/v1/me/presence", json={"presence": "online"}))
    async with day.sessionmaker() as session:
        now = utcnow()
        await session.execute(
            update(Agent)
            .where(Agent.id == alice.agent_id)
            .values(presence_since=hour_of(now) - timedelta(minutes=100))
        )
        await count_online_hours(session, now)
        await session.commit()


@pytest.fixture
async def day(client, sessionmaker, owen, alice, bob, carol) -> Day:
    played = Day(client, sessionmaker, (alice, bob, carol, owen))
    await _play(played)
    return played


def _two_days() -> Period:
    """Yesterday and today in the shop's zone: the online hours may begin yesterday."""
    zone = shop_zone(None)
    today = datetime.now(UTC).astimezone(zone).date()
    return Period(today - timedelta(days=1), today, zone)


async def _figures(sessionmaker, persona) -> dict[str, tuple]:
    async with sessionmaker() as session:
        overview = await read_overview(session, persona.actor(), _two_days())
    return {k.code: (k.value, k.numerator, k.denominator, k.previous_value) for k in overview.kpis}


def _expected(day: Day) -> dict[str, tuple]:
    first = day.first["alice"] + day.first["bob"]  # 60, 30, 120 and 300, 36000
    fast = sum(1 for seconds in first if seconds <= 180)
    spent = 6000 * 3600 / 3600 + 6 * 100  # 100 minutes online; six conversations
    return {
        "conversations": (6.0, 6, 1, 0.0),
        "first_response_seconds": (sum(first) / 5, sum(first), 5, None),
        "response_seconds": (sum(day.responses) / 6, sum(day.responses), 6, None),
        "fast_response_rate": (fast / 5, fast, 5, None),
        "fcr_rate": (3 / 4, 3, 4, None),  # C1, C2, C3, C5 resolved; C2 contacted again
        "csat": (2 / 3, 2, 3, None),
        "average_rating": (11 / 3, 11, 3, None),
        # C2's follow-up and C3 (4★) of 2 complaints (C3, the late case) + 1 bad review (C2)
        "recovery_rate": (2 / 3, 2, 3, None),
        "unit_cost_cents": (spent / 6, spent, 6, None),
        "conversion_rate": (1.0, 1, 1, None),
        "revenue_cents": (15800.0, 15800, 1, 0.0),
        "complaint_rate": (2 / 6, 2, 6, None),
        "negative_review_rate": (1 / 3, 1, 3, None),
        "repurchase_rate": (1 / 2, 1, 2, None),
        "sla_attainment": (2 / 3, 2, 3, None),
        "bot_containment": (1 / 2, 1, 2, None),
        "qa_score": (100 * 5 / 6, 5, 6, None),
    }


def _close_enough(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys()
    for code, want in expected.items():
        got = found[code]
        assert got[1:3] == pytest.approx(want[1:3]), code
        assert got[0] == pytest.approx(want[0]), code
        assert got[3] == (pytest.approx(want[3]) if want[3] is not None else None), code


async def test_every_kpi_of_the_day_by_hand(day, sessionmaker, carol):
    assert [len(day.first["alice"]), len(day.first["bob"]), len(day.responses)] == [3, 2, 6]
    _close_enough(await _figures(sessionmaker, carol), _expected(day))


async def test_the_figures_are_the_same_once_folded(day, sessionmaker, owen):
    before = await _figures(sessionmaker, owen)
    async with sessionmaker() as session:
        assert await fold_all(session, batch=7) > 0  # several batches, each committed
    assert await _figures(sessionmaker, owen) == before
    async with sessionmaker() as session:
        assert await fold_all(session) == 0


async def test_the_leaderboard_credits_each_agent(day, sessionmaker, carol, alice, bob):
    async with sessionmaker() as session:
        board = await read_agent_board(
            session, carol.actor(), _two_days(), sort="first_response_seconds", descending=False
        )
    rows = {row.agent_id: row for row in board}
    assert [row.agent_id for row in board[:2]] == [alice.agent_id, bob.agent_id]
    a, b = rows[alice.agent_id].kpis, rows[bob.agent_id].kpis
    assert a["first_response_seconds"].value == pytest.approx(sum(day.first["alice"]) / 3)
    assert b["first_response_seconds"].value == pytest.approx(sum(day.first["bob"]) / 2)
    # Alice resolved C1, C2 (transferred to her) and C3; C2's repeat contact is hers.
    assert (a["fcr_rate"].numerator, a["fcr_rate"].denominator) == (2, 3)
    assert (b["fcr_rate"].numerator, b["fcr_rate"].denominator) == (1, 1)
    assert a["revenue_cents"].value == 15800 and b["revenue_cents"].value == 0
    assert (a["qa_score"].numerator, a["qa_score"].denominator) == (2, 3)  # C1, C3✗, C6
    assert a["negative_review_rate"].value == pytest.approx(1 / 3)  # C2's 2★ of C1, C2, C3
    assert a["conversion_rate"].value == 1.0  # C1: her inquiry, paid
    assert rows[carol.agent_id].kpis["first_response_seconds"].value is None
    async with sessionmaker() as session:
        scope = _two_days().scope(carol.shop_id)
        transfers = await read_totals(session, scope, kinds=["transfer"], group_by=("agent_id",))
    assert {key: t.count for key, t in transfers.items()} == {(bob.agent_id,): 1}  # who handed on
    assert board[-1].kpis["first_response_seconds"].value is None  # no figure: last


async def test_another_shop_counts_none_of_it(day, sessionmaker, mallory):
    figures = await _figures(sessionmaker, mallory)
    assert figures["conversations"][0] == 0
    counts = ("conversations", "revenue_cents")
    assert all(value is None for code, (value, *_) in figures.items() if code not in counts)
    async with sessionmaker() as session:
        board = await read_agent_board(session, mallory.actor(), _two_days())
    assert all(row.agent_id not in (day.alice.agent_id, day.bob.agent_id) for row in board)
