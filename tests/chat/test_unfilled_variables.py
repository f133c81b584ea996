"""A quick phrase leaves a variable it has no value for as written ({客户昵称} for a shopper
who gave no name) for the agent to replace. Sent as it is, the shopper would read the
braces: an agent's reply still holding one is refused, over the socket and the REST API,
with the variable named in the page's language; nothing is stored."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kefu.models import Message
from tests.chat.conftest import agent_headers, visitor_socket
from tests.chat.wsclient import Socket


async def _bodies(sessionmaker) -> list[str]:
    async with sessionmaker() as session:
        return sorted((await session.scalars(select(Message.body))).all())


async def test_the_socket_refuses_a_reply_with_a_variable_left_in_it(
    server, shopper, alice, sessionmaker
):
    visitor_ws = await visitor_socket(server, shopper)
    # A shopper may type braces: only staff replies come from phrases.
    asked = await visitor_ws.say(shopper.conversation_id, "我的订单号是{订单号}吗？😅")
    assert asked["type"] == "ack"
    agent_ws = await Socket.open(
        f"ws://{server}/ws/agent",
        headers=agent_headers(alice) | {"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    phrase = "亲爱的{客户昵称}，您的快递单号是{物流单号}～"
    refused = await agent_ws.say(shopper.conversation_id, phrase)
    assert (refused["type"], refused["code"]) == ("error", "unfilled_variable")
    assert refused["message"] == "请先把 {客户昵称} 换成实际内容再发送。"

    # An internal note is never shown to the shopper: it may quote a variable.
    noted = await agent_ws.say(shopper.conversation_id, "话术里的{物流单号}要手填", kind="note")
    assert noted["type"] == "ack"
    sent = await agent_ws.say(shopper.conversation_id, "亲爱的顾客，您的快递单号是SF1234567890～")
    assert sent["type"] == "ack"
    assert await _bodies(sessionmaker) == [
        "亲爱的顾客，您的快递单号是SF1234567890～",
        "我的订单号是{订单号}吗？😅",
        "话术里的{物流单号}要手填",
    ]
    for ws in (visitor_ws, agent_ws):
        await ws.close()


async def test_the_rest_api_refuses_it_too_and_leaves_other_braces_alone(
    client, shopper, alice, sessionmaker
):
    path = f"/api/v1/conversations/{shopper.conversation_id}/messages"
    refused = await client.as_(alice).post(
        path, json={"client_id": str(uuid.uuid4()), "body": "您的{商品名}明天发货"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == {
        "code": "unfilled_variable",
        "message": "replace {商品名} with the actual words before sending",
        "field": "body",
    }
    # Braces around anything else are the agent's own words (an emoticon, a size code).
    sent = await client.as_(alice).post(
        path, json={"client_id": str(uuid.uuid4()), "body": "尺码选{M}就好 {^_^}"}
    )
    assert sent.status_code == 200, sent.text
    assert await _bodies(sessionmaker) == ["尺码选{M}就好 {^_^}"]
