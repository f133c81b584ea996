"""The shopper's emotion through the API: the conversation turns yellow and red with the
shopper's words, the agent and the supervisors are alerted when it turns red, the
timeline and the emotional account (情感账户) follow the seeds' rule (+1 / -3)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kefu.models import StreamEvent
from tests.channels.conftest import acme_key  # noqa: F401 (a fixture)
from tests.chat.conftest import make_shopper


async def _say(client, shopper, text: str) -> None:
    path = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    body = {"client_id": str(uuid.uuid4()), "body": text}
    sent = await client.post(path, json=body, headers={"X-Visitor-Token": shopper.token})
    assert sent.status_code == 200, sent.text


async def _red_alerts(sessionmaker) -> list[tuple[str, dict]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(StreamEvent.stream, StreamEvent.payload)
            .where(StreamEvent.name == "emotion.red")
            .order_by(StreamEvent.stream)
        )
        return [(stream, payload) for stream, payload in rows]


async def test_a_shopper_turns_red_and_calms_down(client, sessionmaker, alice, carol, owen):
    shopper = await make_shopper(client)
    url = f"/api/v1/conversations/{shopper.conversation_id}"
    taken = await client.as_(alice).post(f"{url}/assign", json={"agent_id": alice.agent_id})
    assert taken.status_code == 200, taken.text
    await _say(client, shopper, "在吗？这件卫衣有黑色L码吗")
    await _say(client, shopper, "怎么还没发货")
    await _say(client, shopper, "我要投诉！你们就是骗子")
    await _say(client, shopper, "还要我说几遍，骗子")  # already red: no second alert

    assert (await client.as_(alice).get(url)).json()["emotion"] == "red"
    alerts = await _red_alerts(sessionmaker)
    assert {stream for stream, _ in alerts} == {
        f"agent:{alice.agent_id}",
        f"agent:{carol.agent_id}",
        f"agent:{owen.agent_id}",
    }
    payload = alerts[0][1]
    assert payload["conversation_id"] == shopper.conversation_id
    assert payload["previous"] == "yellow" and set(payload["words"]) == {"投诉", "骗子"}

    await _say(client, shopper, "好的")
    await _say(client, shopper, "谢谢，问题解决了，很满意")
    await _say(client, shopper, "谢谢")  # the same good exchange: counted once

    emotion = (await client.as_(alice).get(f"{url}/emotion")).json()
    assert emotion["emotion"] == "green"
    assert [(c["previous"], c["emotion"]) for c in emotion["changes"]] == [
        ("green", "yellow"),
        ("yellow", "red"),
        ("red", "yellow"),
        ("yellow", "green"),
    ]
    assert emotion["changes"][0]["words"] == ["怎么还"]
    assert emotion["changes"][2]["words"] == []  # calmed down by a neutral message
    account = emotion["account"]
    assert account["balance"] == -2
    assert [e["delta"] for e in account["entries"]] == [1, -3]
    assert account["visitor_id"] is not None and account["customer_id"] is None

    inbox = (await client.as_(alice).get("/api/v1/inbox", params={"view": "mine"})).json()
    [item] = [i for i in inbox["items"] if i["conversation"]["id"] == shopper.conversation_id]
    assert item["conversation"]["emotion"] == "green"
    calm = await client.as_(alice).get("/api/v1/inbox", params={"emotion": "green"})
    assert shopper.conversation_id in [i["conversation"]["id"] for i in calm.json()["items"]]
    upset = await client.as_(alice).get("/api/v1/inbox", params={"emotion": "red"})
    assert shopper.conversation_id not in [i["conversation"]["id"] for i in upset.json()["items"]]
    bad = await client.as_(alice).get("/api/v1/inbox", params={"emotion": "purple"})
    assert bad.status_code == 422


async def test_a_customers_account_adds_up_over_conversations(client, acme_key, alice):  # noqa: F811
    customer = {"external_id": "tb_wang", "name": "王先生", "channel": "taobao"}

    async def said(text: str, message_id: str, conversation: str) -> int:
        body = {
            "external_conversation_id": conversation,
            "external_message_id": message_id,
            "customer": customer,
            "text": text,
        }
        posted = await acme_key.post("/api/v1/channels/api/messages", json=body)
        assert posted.status_code in (200, 201), posted.text
        return posted.json()["conversation_id"]

    first = await said("你们是骗子，我要差评", "w-1", "TB-1")
    await client.as_(alice).post(f"/api/v1/conversations/{first}/close", json={})
    second = await said("上次的问题解决了，谢谢你们", "w-2", "TB-2")
    assert second != first
    emotion = (await client.as_(alice).get(f"/api/v1/conversations/{second}/emotion")).json()
    assert emotion["account"]["balance"] == -2  # -3 then +1, the same customer
    assert emotion["account"]["customer_id"] is not None
    assert [e["conversation_id"] for e in emotion["account"]["entries"]] == [second, first]


async def test_another_shop_cannot_read_the_emotion(client, mallory):
    shopper = await make_shopper(client)
    await _say(client, shopper, "我要投诉")
    url = f"/api/v1/conversations/{shopper.conversation_id}/emotion"
    assert (await client.as_(mallory).get(url)).status_code == 404
    as_visitor = await client.get(url, headers={"X-Visitor-Token": shopper.token})
    assert as_visitor.status_code in (401, 403)
