"""An agent's reply in the chat a case was opened from is the case's first response: met
in time or late, written on its timeline; a note, the shopper's own words, a reply in
another chat or one sent before the case existed do not count. Through the REST API and
the agent socket the workspace sends on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from kefu.models import Case, CaseEvent
from tests.cases.conftest import ok, open_case
from tests.chat.conftest import agent_socket, make_shopper, server  # noqa: F401  (shared fixture)


async def say(client, persona, conversation_id: int, body: str, kind: str = "text") -> dict:
    message = {"client_id": str(uuid.uuid4()), "body": body, "kind": kind}
    url = f"/api/v1/conversations/{conversation_id}/messages"
    return await ok(await client.as_(persona).post(url, json=message))


async def take(client, persona, conversation_id: int) -> None:
    url = f"/api/v1/conversations/{conversation_id}/assign"
    await ok(await client.as_(persona).post(url, json={"agent_id": persona.agent_id}))


async def complaint_from(client, persona, conversation_id: int) -> dict:
    return await open_case(
        client, persona, type="complaint", title="顾客投诉发货慢", conversation_id=conversation_id
    )


async def detail(client, persona, case_id: int) -> dict:
    return await ok(await client.as_(persona).get(f"/api/v1/cases/{case_id}"))


async def test_the_first_chat_reply_answers_the_case(client, session, alice, bob, chat):
    await take(client, alice, chat.conversation_id)
    await say(client, alice, chat.conversation_id, "先问一下仓库", kind="note")
    case = await complaint_from(client, alice, chat.conversation_id)
    other_chat = await make_shopper(client, "acme", skill="aftersale")
    elsewhere = await complaint_from(client, alice, other_chat.conversation_id)
    await say(client, alice, chat.conversation_id, "内部备注：已联系快递", kind="note")
    assert (await detail(client, alice, case["id"]))["first_responded_at"] is None

    reply = await say(client, alice, chat.conversation_id, "您好，非常抱歉，我马上为您处理。")
    answered = await detail(client, bob, case["id"])
    assert answered["first_response_sla"] == "met" and answered["first_responded_at"]
    line = answered["timeline"][-1]
    assert line["kind"] == "answered_in_chat" and line["actor_label"] == "Alice"
    assert line["data"] == {"message_id": reply["id"]}
    untouched = await detail(client, bob, elsewhere["id"])
    assert untouched["first_response_sla"] == "pending"

    await say(client, alice, chat.conversation_id, "补偿方案稍后发您")  # only the first counts
    again = await detail(client, bob, case["id"])
    assert again["first_responded_at"] == answered["first_responded_at"]
    assert [e["kind"] for e in again["timeline"]].count("answered_in_chat") == 1


async def test_a_case_opened_after_the_reply_waits_for_the_next_one(client, alice, chat):
    await take(client, alice, chat.conversation_id)
    await say(client, alice, chat.conversation_id, "您好，请问有什么可以帮您？")
    case = await complaint_from(client, alice, chat.conversation_id)
    assert (await detail(client, alice, case["id"]))["first_response_sla"] == "pending"
    await say(client, alice, chat.conversation_id, "已为您登记投诉，今天内回复。")
    assert (await detail(client, alice, case["id"]))["first_response_sla"] == "met"


async def test_a_late_chat_reply_is_a_breach_and_the_shoppers_words_are_none(
    client, session, alice
):
    shopper = await make_shopper(client, "acme", skill="aftersale")
    await take(client, alice, shopper.conversation_id)
    case = await complaint_from(client, alice, shopper.conversation_id)
    await ok(
        await client.post(
            f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
            json={"client_id": str(uuid.uuid4()), "body": "还在吗？"},
            headers=shopper.headers,
        )
    )
    assert (await detail(client, alice, case["id"]))["first_responded_at"] is None
    await session.execute(
        update(Case)
        .where(Case.id == case["id"])
        .values(first_response_due_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    await session.commit()
    await say(client, alice, shopper.conversation_id, "抱歉久等了")
    assert (await detail(client, alice, case["id"]))["first_response_sla"] == "breached"


async def test_over_the_agent_socket_too(server, client, sessionmaker, alice):  # noqa: F811
    shopper = await make_shopper(client, "acme", skill="aftersale")
    await take(client, alice, shopper.conversation_id)
    case = await complaint_from(client, alice, shopper.conversation_id)
    socket = await agent_socket(server, alice)
    try:
        sent = await socket.say(shopper.conversation_id, "您好，这边为您跟进")
        assert sent["type"] == "ack"
    finally:
        await socket.close()
    async with sessionmaker() as session:
        kinds = await session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case["id"]).order_by(CaseEvent.id)
        )
        assert list(kinds) == ["created", "answered_in_chat"]
        settled = await session.get_one(Case, case["id"])
        assert settled.first_response_sla == "met"
