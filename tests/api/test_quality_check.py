"""The composer's reply check (POST /api/v1/quality/check), the shop's blocking codes
(/api/v1/shop/quality) and what sending a reply does with findings: recorded on every
agent reply, refused with 422 only for a code the shop blocks."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from kefu.models import Message
from tests.chat.conftest import make_shopper

CHECK = "/api/v1/quality/check"


async def check(api, text: str, context: str | None = None) -> dict:
    response = await api.post(CHECK, json={"text": text, "context": context})
    assert response.status_code == 200, response.text
    return response.json()


async def assigned_conversation(client, agent) -> str:
    """A shopper's open conversation taken by ``agent``; its URL."""
    shopper = await make_shopper(client)
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "请问怎么下单呀？第一次在你们家买"},
        headers=shopper.headers,
    )
    taken = await client.as_(agent).post(f"{url}/assign", json={"agent_id": agent.agent_id})
    assert taken.status_code == 200, taken.text
    return url


async def reply(api, url: str, body: str, **extra):
    return await api.post(
        f"{url}/messages", json={"client_id": str(uuid.uuid4()), "body": body}, **extra
    )


async def block(client, owner, codes: list[str]) -> None:
    response = await client.as_(owner).patch("/api/v1/shop/quality", json={"blocking": codes})
    assert response.status_code == 200, response.text
    assert response.json()["blocking"] == codes


@pytest.mark.parametrize(
    "text",
    [
        "亲，这款是纯棉的，M码还有现货，今天16点前下单当天发出😊",
        "质量保证的哦，收到不满意七天无理由退换，您放心～",
        "这个价格我这边改不了，不过可以帮您领一张满199减20的券，您看可以吗？",
        "让您等了这么久，真的很抱歉，我现在就去催快递，下午三点前给您回复",
    ],
)
async def test_a_good_reply_has_nothing_to_say(client, alice, text):
    assert await check(client.as_(alice), text, "什么时候发货？") == {
        "findings": [],
        "blocked": False,
        "rewrite": None,
    }


async def test_a_bad_reply_says_why_and_offers_a_rewrite_that_is_itself_clean(client, alice):
    api = client.as_(alice)
    result = await check(api, "这都不懂吗？点立即购买就可以了", "请问怎么下单呀")
    [finding] = result["findings"]
    assert finding["code"] == "contempt"
    assert (finding["label_zh"], finding["label_en"]) == ("蔑视语", "contempt")
    assert finding["spans"] == [
        {"start": 0, "end": 4, "text": "这都不懂", "rule": "phrase:这都不懂"}
    ]
    assert "这都不懂" in finding["why_zh"] and "这都不懂" in finding["why_en"]
    assert finding["tip_zh"] and finding["tip_en"] and finding["blocking"] is False
    assert result["blocked"] is False
    assert result["rewrite"] == "可能是我没讲清楚，我再详细说明一下～点立即购买就可以了"
    assert (await check(api, result["rewrite"]))["findings"] == []


async def test_spans_point_into_what_the_agent_typed_in_traditional_characters(client, alice):
    text = "親，您別生氣嘛，快遞慢很正常的"
    result = await check(client.as_(alice), text)
    [finding] = result["findings"]
    assert finding["code"] == "emotion_denial"
    span = finding["spans"][0]
    assert text[span["start"] : span["end"]] == span["text"] == "別生氣"
    # "快遞慢很正常的" shrugs the delay off: once 別生氣 is rewritten, the full check's model
    # flags that clause too, and the rewrite replaces it with empathy
    assert result["rewrite"] == (
        "親，我理解您现在很生气，换作是我也会不开心。遇到这种情况，换作是我也会着急，我理解您的感受。"
    )
    assert (await check(client.as_(alice), result["rewrite"]))["findings"] == []


async def test_several_findings_in_one_reply(client, carol):
    result = await check(client.as_(carol), "亲亲，这边是没有办法的呢", "能便宜点吗")
    assert [f["code"] for f in result["findings"]] == ["negation", "templated"]
    templated = result["findings"][1]
    assert templated["why_zh"].startswith("套话叠加")
    assert "这边" in templated["why_zh"]
    assert "不过我可以帮您" in result["rewrite"]
    assert (await check(client.as_(carol), result["rewrite"]))["findings"] == []


async def test_findings_are_recorded_on_agent_replies_only(client, alice, session):
    url = await assigned_conversation(client, alice)
    api = client.as_(alice)
    for body in ("您别生气，快递这两天确实慢", "我马上帮您查一下物流～"):
        assert (await reply(api, url, body)).status_code == 200
    note = await api.post(
        f"{url}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "这都不懂，备注一下", "kind": "note"},
    )
    assert note.status_code == 200
    stored = select(Message.body, Message.findings).order_by(Message.id)
    rows = (await session.execute(stored)).all()
    assert [tuple(row) for row in rows] == [
        ("请问怎么下单呀？第一次在你们家买", None),
        ("您别生气，快递这两天确实慢", ["emotion_denial"]),
        ("我马上帮您查一下物流～", []),
        ("这都不懂，备注一下", None),
    ]


async def test_a_blocking_code_refuses_the_reply_and_others_only_warn(client, owen, alice):
    await block(client, owen, ["contempt", "quarrel"])
    api = client.as_(alice)
    result = await check(api, "这都不懂吗？您别生气")
    assert result["blocked"] is True
    assert {f["code"]: f["blocking"] for f in result["findings"]} == {
        "contempt": True,
        "emotion_denial": False,
    }

    url = await assigned_conversation(client, alice)
    refused = await reply(api, url, "这都不懂吗？点立即购买就行")
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("blocked_reply", "body")
    assert "contempt" in error["message"] and "“这都不懂”" in error["message"]
    in_chinese = await reply(api, url, "你爱买不买", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert in_chinese.status_code == 422
    assert in_chinese.json()["error"]["message"] == (
        "本店不允许回复中出现斗气语（arguing，quarrel）：“爱买不买”。请修改后再发送。"
    )
    assert (await reply(api, url, "您别生气，我马上帮您查")).status_code == 200
    messages = (await api.get(f"{url}/messages")).json()["items"]
    assert [m["body"] for m in messages] == [
        "您别生气，我马上帮您查",
        "请问怎么下单呀？第一次在你们家买",
    ]


async def test_the_composer_and_the_send_path_run_the_full_check(client, owen, alice, session):
    api = client.as_(alice)
    # a paraphrase no dictionary entry lists: the trained model finds it, and says so
    result = await check(api, "您是第一次用手机购物吗")
    [finding] = result["findings"]
    assert finding["code"] == "contempt"
    assert [span["rule"].partition(":")[0] for span in finding["spans"]] == ["classifier"]
    assert "模型" in finding["why_zh"] and "model" in finding["why_en"]
    # 别担心 alone would be a finding of the dictionary; the model reads what follows
    reassuring = "别担心，您的包裹没有丢，是分拣中心漏扫了一次，现在已经在派送车上了"
    assert (await check(api, reassuring))["findings"] == []

    await block(client, owen, ["contempt"])
    url = await assigned_conversation(client, alice)
    refused = await reply(api, url, "您是第一次用手机购物吗")
    assert refused.status_code == 422
    assert "“您是第一次用手机购物吗”" in refused.json()["error"]["message"]
    assert (await reply(api, url, reassuring)).status_code == 200
    stored = select(Message.findings).where(Message.body == reassuring)
    assert (await session.execute(stored)).scalar_one() == []


async def test_blocking_codes_belong_to_one_shop(client, owen, alice, mallory):
    await block(client, mallory, ["contempt"])
    assert (await client.as_(owen).get("/api/v1/shop/quality")).json()["blocking"] == []
    assert (await check(client.as_(alice), "这都不懂吗"))["blocked"] is False
    url = await assigned_conversation(client, alice)
    assert (await reply(client.as_(alice), url, "这都不懂吗")).status_code == 200

    await block(client, owen, ["over_promise"])
    assert (await check(client.as_(mallory), "保证明天一定到"))["blocked"] is False
    assert (await check(client.as_(mallory), "这都不懂吗"))["blocked"] is True


async def test_only_owners_choose_blocking_codes(client, owen, carol, alice):
    for persona in (carol, alice):
        api = client.as_(persona)
        assert (await api.get("/api/v1/shop/quality")).json()["blocking"] == []
        refused = await api.patch("/api/v1/shop/quality", json={"blocking": ["contempt"]})
        assert refused.status_code == 403
    unknown = await client.as_(owen).patch("/api/v1/shop/quality", json={"blocking": ["rude"]})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["field"] == "blocking"
    assert "contempt" in unknown.json()["error"]["message"]  # the known codes are listed
    chosen = await client.as_(owen).patch(
        "/api/v1/shop/quality", json={"blocking": ["quarrel", "contempt", "quarrel"]}
    )
    assert chosen.json()["blocking"] == ["contempt", "quarrel"]  # once each, as in the docs
    assert (await client.as_(alice).get("/api/v1/shop/quality")).json() == chosen.json()


@pytest.mark.parametrize(
    "body",
    [{}, {"text": 42}, {"text": "好" * 5001}, {"text": "好的", "context": ["在吗"]}],
)
async def test_bad_input_is_refused_with_422(client, alice, body):
    response = await client.as_(alice).post(CHECK, json=body)
    assert response.status_code == 422, response.text


async def test_a_visitor_or_a_stranger_cannot_check_replies(client, personas):
    shopper = await make_shopper(client)
    as_visitor = await client.post(CHECK, json={"text": "在的亲"}, headers=shopper.headers)
    assert as_visitor.status_code == 401
    assert (await client.post(CHECK, json={"text": "在的亲"})).status_code == 401
