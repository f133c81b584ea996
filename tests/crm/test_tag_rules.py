"""Tags by rule: the owner says who gets 高价值, 爱砍价 or a segment's tag; customers get
and lose those tags as their history changes, and the tags agents typed stay."""

from __future__ import annotations

from sqlalchemy import insert, select

from kefu.crm.tag_rules import PAGE
from kefu.models import Customer, Order, OrderStatus
from tests.crm.test_customer_profile import T0, haggling_returner

RULES = [
    {"tag": "高价值", "min_lifetime_value_cents": 50000},
    {"tag": "爱砍价", "behaviour": "bargainer"},
    {"tag": "回头客", "min_paid_orders": 3, "min_lifetime_value_cents": 1},
]


async def _tags(sessionmaker, customer_id: int) -> tuple[list[str], list[str]]:
    async with sessionmaker() as session:
        customer = await session.get(Customer, customer_id)
        return customer.tags, customer.rule_tags


async def test_rules_give_tags_and_take_back_only_their_own(client, owen, alice, sessionmaker):
    liu = await haggling_returner(sessionmaker, owen.shop_id)
    async with client.as_(alice) as c:
        await c.patch(f"/api/v1/customers/{liu}", json={"tags": ["VIP"]})
    async with client.as_(owen) as c:
        saved = await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": RULES})
        assert saved.status_code == 200, saved.text
        assert saved.json()["tag_rules"] == RULES
        listed = await c.get("/api/v1/customers", params={"tag": "爱砍价"})
    assert await _tags(sessionmaker, liu) == (
        ["VIP", "高价值", "爱砍价", "回头客"],
        ["高价值", "爱砍价", "回头客"],
    )
    assert [x["id"] for x in listed.json()["items"]] == [liu], "filters and campaigns see them"
    async with client.as_(owen) as c:
        fewer = await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": RULES[1:2]})
    assert fewer.status_code == 200
    assert await _tags(sessionmaker, liu) == (["VIP", "爱砍价"], ["爱砍价"]), "VIP was typed"


async def test_a_segment_rule_follows_the_daily_snapshot(client, owen, sessionmaker):
    liu = await haggling_returner(sessionmaker, owen.shop_id)
    async with client.as_(owen) as c:
        assert (await c.post("/api/v1/rfm/refresh", json={})).status_code == 200
        scored = (await c.get("/api/v1/rfm/customers")).json()["items"]
        segment = next(row["segment"] for row in scored if row["customer_id"] == liu)
        rule = {"tag": "分层标签", "segment": segment}
        assert (await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": [rule]})).is_success
    assert (await _tags(sessionmaker, liu))[1] == ["分层标签"]
    async with sessionmaker() as session:  # the shop's system sends the tags anew
        (await session.get(Customer, liu)).tags = ["批量导入"]
        await session.commit()
    async with client.as_(owen) as c:
        assert (await c.post("/api/v1/rfm/refresh", json={})).status_code == 200
    assert await _tags(sessionmaker, liu) == (["批量导入", "分层标签"], ["分层标签"])


async def test_bad_rules_are_refused_naming_the_rule(client, owen, carol, sessionmaker):
    cases = [
        ([{"tag": "空规则"}], "tag_rules.0", "at least one condition"),
        ([RULES[0], {"tag": "x", "segment": "vip"}], "tag_rules.1.segment", "core"),
        ([{"tag": "x", "behaviour": "angry"}], "tag_rules.0.behaviour", "bargainer"),
        ([{"tag": "x", "min_paid_orders": -1}], "tag_rules.0.min_paid_orders", "0 or more"),
        (
            [{"tag": "这是一个超过二十个字的非常非常非常非常长的标签", "min_paid_orders": 1}],
            "tag_rules.0.tag",
            "20",
        ),
        ([{"tag": "x", "min_paid_orders": 1, "colour": "red"}], "tag_rules.0.colour", "colour"),
        ([{"tag": "x", "min_paid_orders": 1}] * 21, "tag_rules", "20"),
    ]
    async with client.as_(owen) as c:
        for rules, field, words in cases:
            answer = await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": rules})
            assert answer.status_code == 422, (rules, answer.text)
            error = answer.json()["error"]
            assert error["field"] == field and words in error["message"], error
    async with client.as_(carol) as c:
        refused = await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": RULES})
    assert refused.status_code == 403
    async with sessionmaker() as session:
        assert (await session.scalars(select(Customer.rule_tags))).all() == []


async def test_rules_reach_every_customer_of_a_shop_larger_than_a_page(client, owen, sessionmaker):
    count = 2 * PAGE + 345
    async with sessionmaker() as s:
        await s.execute(
            insert(Customer),
            [
                {
                    "shop_id": owen.shop_id,
                    "external_id": f"C-{n:05d}",
                    "tags": ["老客户"] if n % 2 else [],
                }
                for n in range(count)
            ],
        )
        ids = (await s.scalars(select(Customer.id).order_by(Customer.id))).all()
        big = set(ids[::7])  # on every page, the last one included
        await s.execute(
            insert(Order),
            [
                {
                    "shop_id": owen.shop_id,
                    "external_id": f"E-{customer}",
                    "customer_id": customer,
                    "status": OrderStatus.COMPLETED,
                    "total_cents": 60000,
                    "placed_at": T0,
                    "paid_at": T0,
                }
                for customer in big
            ],
        )
        await s.commit()
    async with client.as_(owen) as c:
        saved = await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": RULES[:1]})
        assert saved.status_code == 200, saved.text
    assert await _every_customer(sessionmaker, big) == count
    async with client.as_(owen) as c:
        assert (await c.patch("/api/v1/shop/crm-settings", json={"tag_rules": []})).is_success
    assert await _every_customer(sessionmaker, set()) == count, "taken back from all of them"


async def _every_customer(sessionmaker, big: set[int]) -> int:
    """Checks every customer's tags: 老客户 as typed (odd numbers), 高价值 for the big
    spenders; returns how many were checked."""
    async with sessionmaker() as s:
        rows = (await s.execute(select(Customer).order_by(Customer.id))).scalars().all()
    assert max(big, default=rows[-1].id) > rows[2 * PAGE].id, "the last page is checked too"
    for customer in rows:
        typed = ["老客户"] if int(customer.external_id[2:]) % 2 else []
        expected = ["高价值"] if customer.id in big else []
        assert (customer.tags, customer.rule_tags) == (typed + expected, expected)
    return len(rows)
