"""Script A/B tests on quick phrases: a conversation keeps its variant, every insertion is
recorded, the outcomes per variant add up on a hand-built case (with the campaigns'
z-test and interval), and promoting a winner rewrites the phrase and ends the test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kefu.actions.phrase_tests import variant_for
from kefu.crm.stats import compare_rates
from kefu.models import Conversation, PhraseUse
from kefu.models.base import utcnow
from tests.chat.conftest import make_shopper
from tests.workspace.conftest import link_customer, say

FREE = "亲，这款今天下单包邮哦～"
FREE_AND_INSURED = "亲，这款今天下单包邮，还送运费险，退换无忧～"


async def _tested_phrase(client, carol) -> tuple[int, int]:
    phrase = await client.as_(carol).post(
        "/api/v1/quick-phrases", json={"shortcut": "by", "folder": "bargaining", "body": FREE}
    )
    assert phrase.status_code == 200, phrase.text
    started = await client.as_(carol).post(
        f"/api/v1/quick-phrases/{phrase.json()['id']}/tests", json={"variants": [FREE_AND_INSURED]}
    )
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "running"
    return phrase.json()["id"], started.json()["id"]


def _use_path(conversation_id: int, phrase_id: int) -> str:
    return f"/api/v1/conversations/{conversation_id}/quick-phrases/{phrase_id}/use"


def test_the_split_is_even_across_conversations_and_fixed_for_each():
    picks = [variant_for(7, conversation, 2) for conversation in range(1, 2001)]
    assert 900 < picks.count(1) < 1100
    assert picks == [variant_for(7, conversation, 2) for conversation in range(1, 2001)]
    assert {variant_for(7, c, 3) for c in range(1, 200)} == {0, 1, 2}


async def test_a_conversation_keeps_its_variant_and_each_use_is_recorded(
    client, sessionmaker, personas, alice, bob, carol
):
    phrase_id, test_id = await _tested_phrase(client, carol)
    shoppers = [await make_shopper(client) for _ in range(6)]
    seen = {}
    for shopper in shoppers:
        texts = set()
        for agent in (alice, bob, alice):
            used = await client.as_(agent).post(_use_path(shopper.conversation_id, phrase_id))
            assert used.status_code == 200, used.text
            texts.add((used.json()["variant"], used.json()["text"]))
        assert len(texts) == 1  # the shopper never sees the script change
        seen[shopper.conversation_id] = texts.pop()
    for conversation_id, (variant, text) in seen.items():
        assert variant == variant_for(test_id, conversation_id, 2)
        assert text == (FREE, FREE_AND_INSURED)[variant]
    async with sessionmaker() as s:
        uses = (await s.scalars(select(PhraseUse).where(PhraseUse.test_id == test_id))).all()
    assert len(uses) == 18
    assert {u.agent_id for u in uses} == {alice.agent_id, bob.agent_id}
    assert {u.conversation_id for u in uses} == set(seen)


async def test_outcomes_per_variant_on_a_hand_built_case(
    client, sessionmaker, personas, owen, carol
):
    """Variant 0 in four conversations, variant 1 in four; replies, orders within 72 h
    and stars set by hand, the figures counted by hand."""
    _phrase_id, test_id = await _tested_phrase(client, carol)
    base = utcnow() - timedelta(hours=1)
    shoppers = [await make_shopper(client) for _ in range(8)]
    ids = [s.conversation_id for s in shoppers]
    customers = [{"external_id": f"C-90{i}", "name": f"顾客{i}"} for i in range(4)]
    made = await client.as_(owen).post("/api/v1/customers/bulk", json={"items": customers})
    customer_ids = made.json()["ids"]

    def order(n: int, customer: int, placed, status: str = "paid") -> dict:
        return {
            "external_id": f"E2026-{n}",
            "customer_external_id": f"C-90{customer}",
            "status": status,
            "placed_at": placed.isoformat(),
            "lines": [{"sku": "TS", "title": "纯棉T恤", "quantity": 1, "unit_price_cents": 7900}],
        }

    orders = [
        order(1, 0, base + timedelta(days=2)),  # conversation 0: in time
        order(2, 1, base + timedelta(days=4)),  # conversation 1: too late
        order(3, 2, base + timedelta(hours=1)),  # conversation 4: in time
        order(4, 3, base + timedelta(hours=2), "pending_payment"),  # conversation 5: unpaid
        order(5, 0, base - timedelta(days=1)),  # before the script: never counts
    ]
    posted = await client.as_(owen).post("/api/v1/orders/bulk", json={"items": orders})
    assert posted.status_code == 200, posted.text
    for conversation, customer in ((0, 0), (1, 1), (4, 2), (5, 3)):
        await link_customer(sessionmaker, ids[conversation], customer_ids[customer])
    await say(client, shoppers[1], "还能再便宜点吗")  # before its script: no reply
    async with sessionmaker() as s:
        for index, (variant, at) in enumerate(
            [(0, base), (0, utcnow()), (0, base), (0, base), *[(1, base)] * 4]
        ):
            s.add(
                PhraseUse(
                    shop_id=owen.shop_id,
                    test_id=test_id,
                    conversation_id=ids[index],
                    variant=variant,
                    used_at=at,
                )
            )
        s.add(
            PhraseUse(
                shop_id=owen.shop_id,
                test_id=test_id,
                conversation_id=ids[0],
                variant=0,
                used_at=base + timedelta(days=3),
            )
        )  # a later use: same outcome
        for index, stars in ((0, 5), (1, 3), (4, 4), (6, 2)):
            await s.execute(
                update(Conversation).where(Conversation.id == ids[index]).values(rating=stars)
            )
        await s.commit()
    for index in (0, 3, 4, 5, 6):
        await say(client, shoppers[index], "好的，那我现在拍下")

    results = await client.as_(carol).get(f"/api/v1/phrase-tests/{test_id}/results")
    assert results.status_code == 200, results.text
    body = results.json()
    figures = [
        (v["conversations"], v["replied"], v["ordered"], v["rated"], v["rating"])
        for v in body["variants"]
    ]
    assert figures == [(4, 2, 1, 2, 4.0), (4, 3, 1, 2, 3.0)]
    assert [v["text"] for v in body["variants"]] == [FREE, FREE_AND_INSURED]
    assert body["variants"][1]["reply_rate"] == 0.75
    expected = compare_rates(2, 4, 3, 4)
    (reply,) = body["reply"]
    assert reply["variant"] == 1
    assert reply["difference"] == pytest.approx(0.25)
    assert (reply["ci_low"], reply["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert reply["p_value"] == pytest.approx(expected.p_value)
    (order_comparison,) = body["order"]
    assert order_comparison["difference"] == 0


async def test_promoting_the_winner_rewrites_the_phrase_and_ends_the_test(
    client, personas, alice, carol, mallory
):
    phrase_id, test_id = await _tested_phrase(client, carol)
    shopper = await make_shopper(client)
    assert (
        await client.as_(alice).post(f"/api/v1/phrase-tests/{test_id}/promote", json={"variant": 1})
    ).status_code == 403
    assert (
        await client.as_(mallory).post(
            f"/api/v1/phrase-tests/{test_id}/promote", json={"variant": 1}
        )
    ).status_code == 404
    out_of_range = await client.as_(carol).post(
        f"/api/v1/phrase-tests/{test_id}/promote", json={"variant": 2}
    )
    assert out_of_range.status_code == 422
    promoted = await client.as_(carol).post(
        f"/api/v1/phrase-tests/{test_id}/promote", json={"variant": 1}
    )
    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["status"], promoted.json()["winner"]) == ("ended", 1)
    listed = await client.as_(alice).get("/api/v1/quick-phrases")
    assert [p["body"] for p in listed.json() if p["id"] == phrase_id] == [FREE_AND_INSURED]
    used = await client.as_(alice).post(_use_path(shopper.conversation_id, phrase_id))
    assert used.json() == {"text": FREE_AND_INSURED, "test_id": None, "variant": None}
    again = await client.as_(carol).post(
        f"/api/v1/phrase-tests/{test_id}/promote", json={"variant": 0}
    )
    assert again.status_code == 409
    # The phrase can be tested anew once the test has ended.
    restarted = await client.as_(carol).post(
        f"/api/v1/quick-phrases/{phrase_id}/tests",
        json={"variants": ["亲，包邮＋运费险，今天付款明天发～"]},
    )
    assert restarted.status_code == 201


async def test_who_may_test_what(client, personas, alice, carol):
    phrase_id, _test_id = await _tested_phrase(client, carol)
    path = f"/api/v1/quick-phrases/{phrase_id}/tests"
    second = await client.as_(carol).post(path, json={"variants": ["亲亲～"]})
    assert second.status_code == 409  # one running test per phrase
    own = await client.as_(alice).post(
        "/api/v1/quick-phrases", json={"shortcut": "my", "body": "亲，在的～", "personal": True}
    )
    own_path = f"/api/v1/quick-phrases/{own.json()['id']}/tests"
    refused = await client.as_(alice).post(own_path, json={"variants": ["亲亲～"]})
    assert refused.status_code == 403  # agents do not run tests
    hidden = await client.as_(carol).post(own_path, json={"variants": ["亲亲～"]})
    assert hidden.status_code == 404  # another agent's phrase is invisible
    other = await client.as_(carol).post(
        "/api/v1/quick-phrases", json={"shortcut": "zai", "body": "亲，在的～"}
    )
    other_path = f"/api/v1/quick-phrases/{other.json()['id']}/tests"
    for variants in ([], ["亲，在的～"], ["一样", "一样"], ["{客户名}你好"], ["1", "2", "3", "4"]):
        bad = await client.as_(carol).post(other_path, json={"variants": variants})
        assert bad.status_code == 422, variants
