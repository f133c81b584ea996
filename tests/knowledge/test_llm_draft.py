"""AI 起草 against the fake OpenAI-compatible server on loopback: the draft is written from
the conversation (never its internal notes), the shopper's order and parcel as the bot
tells them, and the shop's FAQ answers, with the shopper's phone, e-mail and door
numbers masked and their name left out; it is only returned, never stored or sent."""

from __future__ import annotations

import uuid

import pytest

from tests.knowledge.conftest import say, shopper_sees, staff_sees
from tests.knowledge.fake_llm import KEY, POLISHED
from tests.knowledge.test_bot_orders import MOVING, ZHANG, shop_orders, signed_shopper


def _draft_url(conversation_id: int) -> str:
    return f"/api/v1/conversations/{conversation_id}/draft"


async def _note(client, agent, conversation_id: int, body: str) -> None:
    noted = await client.as_(agent).post(
        f"/api/v1/conversations/{conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": body, "kind": "note"},
    )
    assert noted.status_code == 200, noted.text


@pytest.mark.usefixtures(shop_orders.__name__)
async def test_a_draft_is_written_from_the_chat_the_order_and_the_faq(
    client, sessionmaker, owen, alice, llm_on
):
    zhang = await signed_shopper(client, sessionmaker, owen.shop_id, ZHANG)
    await say(client, zhang, "你好，我电话13812345678，住杭州市西湖区文三路90号3栋502室")
    await say(client, zhang, "我的快递到哪了")
    await _note(client, alice, zhang.conversation_id, "内部备注：此顾客上月投诉过")
    before = await staff_sees(client, alice, zhang.conversation_id)

    done = await client.as_(alice).post(_draft_url(zhang.conversation_id))
    assert done.status_code == 200, done.text
    assert done.json() == {"text": POLISHED}

    [sent] = llm_on.requests
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    system, user = (m["content"] for m in sent["body"]["messages"])
    assert "亲" in system and "不要编造" in system
    # The shopper's words, oldest first, and the bot's answer between them.
    assert user.index("顾客：你好") < user.index("顾客：我的快递到哪了")
    assert "客服：您的订单" in user
    # The order and its parcel as the bot tells them.
    assert f"您的订单 {MOVING} 已发货。" in user
    assert "【杭州】快件已到达【杭州转运中心】" in user
    # The FAQ's answer to 我的快递到哪了, its order number filled in.
    assert f"在「我的订单」里点订单{MOVING}的「查看物流」" in user
    # Masked: the phone as everywhere in Kefu, the door numbers; no name, no note.
    assert "138****5678" in user and "13812345678" not in user
    assert "杭州市西湖区文三路**号**栋**室" in user and "502" not in user
    assert "张伟" not in user
    assert "内部备注" not in user and "投诉过" not in user

    # Nothing was stored or sent: the conversation reads as before.
    assert await staff_sees(client, alice, zhang.conversation_id) == before
    assert POLISHED not in str(await shopper_sees(client, zhang))


async def test_an_anonymous_shoppers_draft_has_no_order(client, alice, shopper, llm_on):
    await say(client, shopper, "请问怎么下单呀")
    done = await client.as_(alice).post(_draft_url(shopper.conversation_id))
    assert done.status_code == 200, done.text
    user = llm_on.requests[0]["body"]["messages"][1]["content"]
    assert "顾客：请问怎么下单呀" in user and "订单与物流" not in user


async def test_each_failure_of_the_llm_reads_plainly(client, alice, shopper, llm_on):
    await say(client, shopper, "在吗")
    url = _draft_url(shopper.conversation_id)
    for mode, status in (("busy", 503), ("slow", 503), ("error", 502), ("no_choices", 502)):
        llm_on.mode = mode
        failed = await client.as_(alice).post(url)
        assert failed.status_code == status, (mode, failed.text)
        assert KEY not in failed.text
    llm_on.mode = "busy"
    busy = await client.as_(alice).post(url, headers={"Accept-Language": "zh-CN"})
    assert busy.json()["error"]["message"] == "AI 助手繁忙，请一分钟后再试。"


async def test_without_configuration_drafting_is_off(client, alice, shopper):
    await say(client, shopper, "在吗")
    refused = await client.as_(alice).post(_draft_url(shopper.conversation_id))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "llm_not_configured"
    assert "KEFU_LLM_BASE_URL" in refused.json()["error"]["message"]


async def test_nothing_to_reply_to_is_said_before_asking_the_llm(client, alice, shopper, llm_on):
    refused = await client.as_(alice).post(
        _draft_url(shopper.conversation_id), headers={"Accept-Language": "zh-CN"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "顾客还没有发来消息，暂时无需起草回复。"
    assert llm_on.requests == []


async def test_a_visitor_cannot_draft(client, shopper, llm_on):
    await say(client, shopper, "在吗")
    refused = await client.post(_draft_url(shopper.conversation_id), headers=shopper.headers)
    assert refused.status_code in (401, 403)
    assert llm_on.requests == []


async def test_another_shops_conversation_never_reaches_the_llm(client, mallory, shopper, llm_on):
    await say(client, shopper, "我的电话13812345678")
    refused = await client.as_(mallory).post(_draft_url(shopper.conversation_id))
    assert refused.status_code == 404
    assert llm_on.requests == []
