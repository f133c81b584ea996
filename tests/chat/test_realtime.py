"""Realtime delivery over real WebSockets: a visitor and agents on a uvicorn server."""

from __future__ import annotations

import json
import uuid

import pytest
import websockets
from sqlalchemy import func, select

from kefu.models import Message
from tests.chat.conftest import agent_socket, make_shopper, visitor_socket
from tests.chat.wsclient import Socket


async def test_visitor_and_agent_talk_live(server, client, shopper, alice, bob):
    alice_ws = await agent_socket(server, alice)
    bob_ws = await agent_socket(server, bob)
    visitor_ws = await visitor_socket(server, shopper)

    ack = await visitor_ws.say(shopper.conversation_id, "你好，这件T恤有XL码吗？")
    assert ack["type"] == "ack"
    for agent_ws in (alice_ws, bob_ws):  # unassigned: every agent of the shop hears it
        heard = await agent_ws.event("message.created")
        assert heard["data"]["message"]["body"] == "你好，这件T恤有XL码吗？"
        assert heard["data"]["message"]["id"] == ack["message_id"]

    taken = await client.as_(alice).post(
        f"/api/v1/conversations/{shopper.conversation_id}/assign",
        json={"agent_id": alice.agent_id},
    )
    assert taken.status_code == 200, taken.text
    reply = await alice_ws.say(shopper.conversation_id, "亲，有的，XL码现货。")
    assert reply["type"] == "ack"
    answer = await visitor_ws.message_from("agent")
    assert answer["data"]["message"]["body"] == "亲，有的，XL码现货。"
    assert answer["data"]["message"]["sender_kind"] == "agent"
    for ws in (alice_ws, bob_ws, visitor_ws):
        await ws.close()


async def test_ack_comes_after_commit_and_retries_store_once(server, shopper, sessionmaker, alice):
    alice_ws = await agent_socket(server, alice)
    visitor_ws = await visitor_socket(server, shopper)
    client_id = str(uuid.uuid4())
    first = await visitor_ws.say(shopper.conversation_id, "订单还没发货", client_id)
    async with sessionmaker() as session:  # another connection already sees the row
        stored = await session.get(Message, first["message_id"])
        assert stored is not None and stored.body == "订单还没发货"
    again = await visitor_ws.say(shopper.conversation_id, "订单还没发货", client_id)
    assert again == first
    await visitor_ws.say(shopper.conversation_id, "麻烦查一下")
    bodies = [(await alice_ws.event("message.created"))["data"]["message"]["body"] for _ in "12"]
    assert bodies == ["订单还没发货", "麻烦查一下"]  # the retry announced nothing new
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(Message.client_id == uuid.UUID(client_id))
        )
    assert count == 1
    await alice_ws.close()
    await visitor_ws.close()


async def test_reconnect_with_last_event_id_gets_every_missed_event_once(server, shopper, alice):
    alice_ws = await agent_socket(server, alice)
    visitor_ws = await visitor_socket(server, shopper)
    await visitor_ws.say(shopper.conversation_id, "在吗？")
    await alice_ws.event("message.created")
    resume_from = alice_ws.last_event_id
    await alice_ws.close()

    missed = ["第一条", "第二条", "第三条"]
    for body in missed:
        await visitor_ws.say(shopper.conversation_id, body)
    alice_ws = await agent_socket(server, alice, last_event_id=resume_from)
    await visitor_ws.say(shopper.conversation_id, "重连后的新消息")
    received = [await alice_ws.event("message.created") for _ in range(4)]
    assert [f["data"]["message"]["body"] for f in received] == [*missed, "重连后的新消息"]
    ids = [f["id"] for f in received]
    assert ids == sorted(set(ids)) and ids[0] > resume_from
    await alice_ws.send({"type": "ping"})
    assert (await alice_ws.expect(lambda f: f["type"] in ("pong", "event")))["type"] == "pong"
    await alice_ws.close()
    await visitor_ws.close()


async def test_internal_notes_never_reach_the_visitor(server, client, shopper, alice):
    await client.as_(alice).post(
        f"/api/v1/conversations/{shopper.conversation_id}/assign",
        json={"agent_id": alice.agent_id},
    )
    visitor_ws = await visitor_socket(server, shopper)
    alice_ws = await agent_socket(server, alice)
    note = await alice_ws.say(shopper.conversation_id, "这位客户上次投诉过，注意语气", kind="note")
    assert note["type"] == "ack"
    assert (await alice_ws.event("message.created"))["data"]["message"]["kind"] == "note"
    await alice_ws.say(shopper.conversation_id, "您好，请问有什么可以帮您？")
    first = await visitor_ws.message_from("agent")
    assert first["data"]["message"]["body"] == "您好，请问有什么可以帮您？"
    assert all(f.get("data", {}).get("message", {}).get("kind") != "note" for f in visitor_ws.stash)
    refused = await visitor_ws.say(shopper.conversation_id, "我也想写备注", kind="note")
    assert refused["type"] == "error" and refused["code"] == "invalid"
    await visitor_ws.close()
    await alice_ws.close()


async def test_mallory_never_hears_acme(server, client, shopper, alice, mallory):
    mallory_ws = await agent_socket(server, mallory)
    visitor_ws = await visitor_socket(server, shopper)
    await visitor_ws.say(shopper.conversation_id, "acme 的私密问题")
    taken = await mallory_ws.say(shopper.conversation_id, "我是 mallory")
    assert (taken["type"], taken["code"]) == ("error", "not_found")
    await mallory_ws.send({"type": "typing", "conversation_id": shopper.conversation_id})
    assert (await mallory_ws.expect(lambda f: f["type"] == "error"))["code"] == "not_found"
    own = await make_shopper(client, "mallory-mart")
    first = await mallory_ws.event()
    assert first["name"] == "conversation.started"
    assert first["data"]["conversation"]["id"] == own.conversation_id
    own_presence = {"type": "presence", "who": "agent", "id": mallory.agent_id, "connected": True}
    assert mallory_ws.stash == [own_presence]  # nothing of acme's, not even its visitors
    await mallory_ws.close()
    await visitor_ws.close()


async def test_typing_is_relayed_and_not_stored(server, shopper, alice, sessionmaker):
    alice_ws = await agent_socket(server, alice)
    visitor_ws = await visitor_socket(server, shopper)
    await visitor_ws.send({"type": "typing", "conversation_id": shopper.conversation_id})
    typing = await alice_ws.expect(lambda f: f["type"] == "typing")
    assert typing == {
        "type": "typing",
        "conversation_id": shopper.conversation_id,
        "sender_kind": "visitor",
        "typing": True,
    }
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0
    await alice_ws.close()
    await visitor_ws.close()


async def test_bad_frames_get_an_error_and_the_socket_stays_open(server, shopper):
    visitor_ws = await visitor_socket(server, shopper)
    for raw in ("not json", '{"type": "dance"}', '{"type": "message", "conversation_id": 1}'):
        await visitor_ws.ws.send(raw)
        error = await visitor_ws.expect(lambda f: f["type"] == "error")
        assert error["code"] == "bad_frame" and error["message"]
    await visitor_ws.ws.send(b"\x00binary")
    assert (await visitor_ws.expect(lambda f: f["type"] == "error"))["code"] == "bad_frame"
    empty = await visitor_ws.say(shopper.conversation_id, "   ")
    assert (empty["code"], empty["message"]) == ("invalid", "the message is empty")
    assert (await visitor_ws.say(shopper.conversation_id, "还在吗"))["type"] == "ack"
    await visitor_ws.close()


async def test_sockets_refuse_strangers(server, shopper, alice):
    forged = shopper.token[:-2] + ("AA" if not shopper.token.endswith("AA") else "BB")
    cross_site = {"origin": "http://evil.example"}
    for url, extra in (
        (f"ws://{server}/ws/visitor?token={forged}", {}),
        (f"ws://{server}/ws/visitor", {}),
        (f"ws://{server}/ws/agent", {}),
        (f"ws://{server}/ws/agent", {"headers": {"Cookie": "kefu_session=nope"}}),
        (
            f"ws://{server}/ws/agent",
            {"headers": {"Cookie": f"kefu_session={alice.session_token}"}, **cross_site},
        ),
    ):
        with pytest.raises(websockets.InvalidStatus):
            await Socket.open(url, **extra)
    same_site = await agent_socket(server, alice, origin=f"http://{server}")
    await same_site.close()


async def test_agents_see_visitors_come_and_go(server, shopper, alice):
    alice_ws = await agent_socket(server, alice)
    visitor_ws = await visitor_socket(server, shopper)
    came = await alice_ws.expect(lambda f: f["type"] == "presence" and f["who"] == "visitor")
    await visitor_ws.close()
    went = await alice_ws.expect(lambda f: f["type"] == "presence" and f["who"] == "visitor")
    assert (came["connected"], went["connected"]) == (True, False)
    assert came["id"] == went["id"]
    await alice_ws.close()


async def test_a_hello_that_is_not_one_closes_the_socket(server, shopper):
    for first in (b"\x01binary", '{"type": "message"}'):
        ws = await websockets.connect(f"ws://{server}/ws/visitor?token={shopper.token}")
        await ws.send(first)
        error = json.loads(await ws.recv())
        assert error["code"] == "bad_hello"
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()


async def test_a_hello_from_the_future_is_told_to_reload(server, shopper):
    ws = await websockets.connect(f"ws://{server}/ws/visitor?token={shopper.token}")
    socket = Socket(ws)
    await socket.send({"type": "hello", "last_event_id": 10**12})
    assert (await socket.expect(lambda f: f["type"] == "error"))["code"] == "unknown_stream"
    await socket.expect(lambda f: f["type"] == "welcome")
    await socket.close()


async def test_a_visitor_flooding_the_socket_is_told_to_wait(server, shopper, strict_widget_limits):
    visitor_ws = await visitor_socket(server, shopper)
    answers = [await visitor_ws.say(shopper.conversation_id, "刷屏") for _ in range(3)]
    assert [a["type"] for a in answers] == ["ack", "ack", "error"]
    assert answers[2]["code"] == "rate_limited"
    await visitor_ws.close()


async def test_a_refused_message_is_explained_in_the_language_of_the_page(server, shopper):
    """The browser sends the page's language with the socket's upgrade request."""
    url = f"ws://{server}/ws/visitor?token={shopper.token}"
    chinese = await Socket.open(url, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    refused = await chinese.say(shopper.conversation_id, "   ")
    assert (refused["code"], refused["message"]) == ("invalid", "消息不能为空。")
    english = await Socket.open(url, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert (await english.say(shopper.conversation_id, " "))["message"] == "The message is empty."
    for ws in (chinese, english):
        await ws.close()
