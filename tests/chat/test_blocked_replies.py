"""A reply with a code the shop blocks is refused over the agent socket too (the
workspace sends there), explained in the page's language; findings are recorded on
what is sent."""

from __future__ import annotations

from sqlalchemy import select

from kefu.models import Message
from tests.chat.conftest import agent_headers, agent_socket, visitor_socket
from tests.chat.wsclient import Socket


async def test_the_socket_refuses_a_blocked_reply_and_records_the_rest(
    server, client, shopper, owen, alice, sessionmaker
):
    blocked = await client.as_(owen).patch("/api/v1/shop/quality", json={"blocking": ["quarrel"]})
    assert blocked.status_code == 200, blocked.text
    visitor_ws = await visitor_socket(server, shopper)
    await visitor_ws.say(shopper.conversation_id, "别家都包邮，你们怎么不包？")
    chinese = await Socket.open(
        f"ws://{server}/ws/agent",
        headers=agent_headers(alice) | {"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    refused = await chinese.say(shopper.conversation_id, "那你去别家买呗，爱买不买")
    assert (refused["type"], refused["code"]) == ("error", "blocked_reply")
    assert refused["message"].startswith("本店不允许回复中出现斗气语（arguing，quarrel）：")
    assert "“爱买不买”" in refused["message"]

    alice_ws = await agent_socket(server, alice)
    sent = await alice_ws.say(shopper.conversation_id, "我理解您的顾虑，我帮您看看有没有运费券")
    assert sent["type"] == "ack"
    assert (await visitor_ws.message_from("agent"))["data"]["message"]["body"].startswith("我理解")
    async with sessionmaker() as session:
        rows = (await session.execute(select(Message.body, Message.findings))).all()
    assert sorted(rows, key=lambda row: row.body) == [
        ("别家都包邮，你们怎么不包？", None),
        ("我理解您的顾虑，我帮您看看有没有运费券", []),
    ]
    for ws in (visitor_ws, chinese, alice_ws):
        await ws.close()
