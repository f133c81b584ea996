"""The bot holds the conversations it talks in: no agent's queue sees them until it hands
over; a shopper it helped (thanks, or quiet) is closed as resolved by the bot; an agent can
still find them under 机器人 and take one over. And a burst of shopper messages gets one
reply, however the bot's turns interleave."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from itertools import pairwise

from sqlalchemy import select

from kefu.access import Actor
from kefu.actions.bot import do_bot_reply, do_close_idle_bot_conversations
from kefu.actions.messages import do_send_message
from kefu.models import Message, MessageKind, SenderKind, Visitor
from kefu.models.base import utcnow
from tests.chat.conftest import make_shopper
from tests.knowledge.conftest import OPEN, say, shopper_sees, staff_sees
from tests.routing.conftest import set_presence
from tests.widget.conftest import png_bytes


async def _seen(client, persona, conversation_id: int) -> dict:
    response = await client.as_(persona).get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def _tab(client, persona, view: str) -> list[int]:
    response = await client.as_(persona).get("/api/v1/conversations", params={"view": view})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


async def test_overnight_the_bot_keeps_its_conversations_out_of_the_morning_queue(
    client, closed_shop, carol, alice
):
    shopper = await make_shopper(client)
    widget = await client.get(
        f"/api/v1/widget/conversations/{shopper.conversation_id}", headers=shopper.headers
    )
    assert widget.json()["queue_position"] is None  # talking to the bot, not waiting
    await say(client, shopper, "怎么退货")
    assert (await shopper_sees(client, shopper))[-1]["sender_kind"] == "bot"
    await set_presence(client, alice, "online")  # the morning: an agent comes online
    assert (await _seen(client, carol, shopper.conversation_id))["assigned_agent_id"] is None
    assert (await _seen(client, carol, shopper.conversation_id))["with_bot"] is True
    assert shopper.conversation_id not in await _tab(client, carol, "unassigned")
    assert shopper.conversation_id in await _tab(client, carol, "bot")
    assert shopper.conversation_id in await _tab(client, carol, "all")
    # Asking for a person hands it over: now it is routed, with the bot's note.
    await say(client, shopper, "我要转人工")
    assert (await _seen(client, carol, shopper.conversation_id))[
        "assigned_agent_id"
    ] == alice.agent_id
    seen = await _seen(client, carol, shopper.conversation_id)
    assert seen["with_bot"] is False and "转人工" in seen["tags"]
    notes = [
        m for m in await staff_sees(client, carol, shopper.conversation_id) if m["kind"] == "note"
    ]
    assert "顾客要求转人工" in notes[0]["body"]


async def test_a_thank_you_after_an_answer_closes_it_as_resolved_by_the_bot(
    client, closed_shop, carol, alice
):
    shopper = await make_shopper(client)
    await say(client, shopper, "怎么领优惠券")
    await say(client, shopper, "好的，谢谢")
    seen = await _seen(client, carol, shopper.conversation_id)
    assert (seen["status"], seen["disposition"]) == ("closed", "bot_resolved")
    assert (await shopper_sees(client, shopper))[-1]["body"].startswith("不客气")
    report = (await client.as_(alice).get("/api/v1/bot/report")).json()
    assert (report["conversations"], report["contained"]) == (1, 1)
    # The shopper writing again starts a new conversation, with the bot again.
    again = await client.post(
        "/api/v1/widget/conversations", json={"skill": "presale"}, headers=shopper.headers
    )
    assert again.json()["id"] != shopper.conversation_id


async def test_a_quiet_conversation_closes_after_the_shops_idle_time(
    client, closed_shop, owen, carol, sessionmaker
):
    helped = await make_shopper(client)
    await say(client, helped, "包邮吗")
    silent = await make_shopper(client)  # opened the widget, never wrote
    patched = await client.as_(owen).patch("/api/v1/shop/bot", json={"idle_minutes": 20})
    assert patched.json()["idle_minutes"] == 20
    async with sessionmaker() as session:
        assert await do_close_idle_bot_conversations(session, utcnow() + timedelta(minutes=10)) == 0
        closed = await do_close_idle_bot_conversations(session, utcnow() + timedelta(minutes=21))
        await session.commit()
    assert closed == 2
    assert (await _seen(client, carol, helped.conversation_id))["disposition"] == "bot_resolved"
    assert (await _seen(client, carol, silent.conversation_id))["disposition"] == "no_reply"


async def test_a_photo_sent_to_the_bot_goes_to_a_person(client, closed_shop, carol):
    shopper = await make_shopper(client)
    await say(client, shopper, "怎么退货")
    uploaded = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/images",
        files={"file": ("破损.png", png_bytes(), "image/png")},
        headers=shopper.headers,
    )
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={
            "client_id": str(uuid.uuid4()),
            "kind": "image",
            "payload": {"upload_id": uploaded.json()["id"]},
        },
        headers=shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    seen = await _seen(client, carol, shopper.conversation_id)
    assert seen["with_bot"] is False and shopper.conversation_id in await _tab(
        client, carol, "unassigned"
    )
    notes = [
        m for m in await staff_sees(client, carol, shopper.conversation_id) if m["kind"] == "note"
    ]
    assert "图片" in notes[0]["body"]


async def test_an_agent_takes_a_conversation_over_from_the_bot(client, closed_shop, carol, alice):
    shopper = await make_shopper(client)
    await say(client, shopper, "怎么退货")
    taken = await client.as_(carol).post(
        f"/api/v1/conversations/{shopper.conversation_id}/assign",
        json={"agent_id": alice.agent_id, "note": "我来跟进"},
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["with_bot"] is False
    await say(client, shopper, "那退款多久到账")
    assert (await shopper_sees(client, shopper))[-1]["sender_kind"] == "visitor"


async def test_a_bot_that_stops_lets_its_conversations_join_the_queue(
    client, closed_shop, owen, carol
):
    overnight = await make_shopper(client)
    await say(client, overnight, "怎么退货")
    turned_off = await make_shopper(client)
    await say(client, turned_off, "包邮吗")
    # The shop opens: the after-hours bot lets go when the shopper writes again.
    opened = await client.as_(owen).put("/api/v1/shop/business-hours", json={"hours": OPEN})
    assert opened.status_code == 200
    await say(client, overnight, "那退款多久到账")
    assert (await shopper_sees(client, overnight))[-1]["sender_kind"] == "visitor"
    assert (await _seen(client, carol, overnight.conversation_id))["with_bot"] is False
    assert overnight.conversation_id in await _tab(client, carol, "unassigned")
    # Switched off: every conversation it still holds joins the queue at once.
    await client.as_(owen).patch("/api/v1/shop/bot", json={"mode": "off"})
    assert (await _seen(client, carol, turned_off.conversation_id))["with_bot"] is False
    assert set(await _tab(client, carol, "unassigned")) >= {
        overnight.conversation_id,
        turned_off.conversation_id,
    }
    assert await _tab(client, carol, "bot") == []


async def _store(sessionmaker, shopper, *texts: str) -> list[int]:
    """The shopper's messages stored (committed) before the bot has looked at any."""
    async with sessionmaker() as session:
        visitor = await session.scalar(
            select(Visitor).where(Visitor.public_id == shopper.public_id)
        )
        actor = Actor.visitor(visitor.shop_id, visitor.id, visitor.public_id)
        ids = []
        for text in texts:
            message = await do_send_message(
                session, actor, shopper.conversation_id, text, str(uuid.uuid4())
            )
            ids.append(message.id)
        await session.commit()
    return ids


async def _bot_turn(sessionmaker, shop_id: int, message_id: int) -> Message | None:
    async with sessionmaker() as session:
        reply = await do_bot_reply(session, shop_id, message_id)
        await session.commit()
        return reply


async def _bot_texts(sessionmaker, conversation_id: int) -> list[Message]:
    async with sessionmaker() as session:
        return list(
            await session.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.sender_kind == SenderKind.BOT,
                    Message.kind == MessageKind.TEXT,
                    Message.id > 0,
                )
                .order_by(Message.id)
            )
        )


async def test_two_messages_at_the_same_instant_get_one_bot_reply(
    client, closed_shop, owen, sessionmaker
):
    shopper = await make_shopper(client)
    first, second = await _store(sessionmaker, shopper, "你们老板是哪里人", "火星上能收货吗")
    before = len(await _bot_texts(sessionmaker, shopper.conversation_id))  # the greeting, if any
    replies = await asyncio.gather(
        _bot_turn(sessionmaker, owen.shop_id, first),
        _bot_turn(sessionmaker, owen.shop_id, second),
    )
    answered = [r for r in replies if r is not None]
    assert len(answered) == 1
    texts = await _bot_texts(sessionmaker, shopper.conversation_id)
    assert len(texts) == before + 1
    # One miss counted, not two (a second miss in a row would hand over).
    assert "handoff" not in texts[-1].payload["bot"]
    conversation = await _seen(client, owen, shopper.conversation_id)
    assert conversation["with_bot"] is True and "转人工" not in conversation["tags"]


async def test_a_late_turn_for_an_older_message_of_the_burst_stays_silent(
    client, closed_shop, owen, sessionmaker
):
    shopper = await make_shopper(client)
    first, second = await _store(sessionmaker, shopper, "在吗", "怎么退货")
    assert (await _bot_turn(sessionmaker, owen.shop_id, second)) is not None
    assert (await _bot_turn(sessionmaker, owen.shop_id, first)) is None
    assert (await _bot_turn(sessionmaker, owen.shop_id, second)) is None  # a retry
    texts = await _bot_texts(sessionmaker, shopper.conversation_id)
    assert "7天无理由退货" in texts[-1].body
    assert sum("7天无理由退货" in t.body for t in texts) == 1


async def test_messages_sent_at_once_never_get_two_bot_replies_in_a_row(client, closed_shop):
    shopper = await make_shopper(client)
    for burst in (("在吗", "怎么退货"), ("包邮吗", "几天发货", "能开发票吗")):
        await asyncio.gather(*(say(client, shopper, text) for text in burst))
    seen = [
        m["sender_kind"]
        for m in await shopper_sees(client, shopper)
        if m["sender_kind"] in ("visitor", "bot") and not (m["payload"] or {}).get("greeting")
    ]
    assert seen.count("visitor") == 5
    assert "bot" in seen
    assert all(not (a == b == "bot") for a, b in pairwise(seen))
