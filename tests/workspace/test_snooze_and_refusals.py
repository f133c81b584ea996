"""Snoozing takes a conversation off the workspace list until its time or the shopper's
next message; refusals come back in the language the request asks for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from kefu.models import Conversation, StreamEvent
from kefu.worker import Worker
from tests.workspace.conftest import say


async def _listed(api, **params) -> list[int]:
    listed = await api.get("/api/v1/inbox", params={"view": "mine", **params})
    assert listed.status_code == 200, listed.text
    return [row["conversation"]["id"] for row in listed.json()["items"]]


async def test_a_snoozed_conversation_leaves_the_list_until_its_time_or_a_new_message(
    client, sessionmaker, shopper, alice
):
    api = client.as_(alice)
    cid = shopper.conversation_id
    await say(client, shopper, "我下单了，明天再来问发货")
    taken = await api.post(f"/api/v1/conversations/{cid}/assign", json={"agent_id": alice.agent_id})
    assert taken.status_code == 200, taken.text
    later = datetime.now(UTC) + timedelta(hours=2)
    snoozed = await api.post(
        f"/api/v1/conversations/{cid}/snooze", json={"until": later.isoformat()}
    )
    assert snoozed.status_code == 200, snoozed.text

    assert await _listed(api) == []
    assert await _listed(api, status="snoozed") == [cid]

    async with sessionmaker() as s:  # two hours pass
        past = datetime.now(UTC) - timedelta(minutes=1)
        await s.execute(
            update(Conversation).where(Conversation.id == cid).values(snoozed_until=past)
        )
        await s.commit()
    assert await _listed(api) == [cid]

    await api.post(f"/api/v1/conversations/{cid}/snooze", json={"until": later.isoformat()})
    assert await _listed(api) == []
    await say(client, shopper, "在吗？快递还没到")
    assert await _listed(api) == [cid]
    assert (await api.get(f"/api/v1/conversations/{cid}")).json()["status"] == "open"


async def test_the_worker_opens_a_conversation_again_when_its_snooze_time_comes(
    client, sessionmaker, settings, shopper, alice
):
    api = client.as_(alice)
    cid = shopper.conversation_id
    await say(client, shopper, "下周一再联系我吧")
    later = datetime.now(UTC) + timedelta(hours=2)
    await api.post(f"/api/v1/conversations/{cid}/snooze", json={"until": later.isoformat()})
    worker = Worker(sessionmaker, settings)
    try:
        assert await worker.wake_snoozed() == 0  # not yet
        async with sessionmaker() as s:  # two hours pass
            past = datetime.now(UTC) - timedelta(minutes=1)
            await s.execute(
                update(Conversation).where(Conversation.id == cid).values(snoozed_until=past)
            )
            await s.commit()
        assert await worker.wake_snoozed() == 1
        assert await worker.wake_snoozed() == 0  # once
    finally:
        await worker.stop()
    conversation = (await api.get(f"/api/v1/conversations/{cid}")).json()
    assert (conversation["status"], conversation["snoozed_until"]) == ("open", None)
    async with sessionmaker() as s:
        told = await s.scalars(
            select(StreamEvent.stream)
            .where(StreamEvent.name == "conversation.changed")
            .where(StreamEvent.payload["change"].as_string() == "unsnoozed")
            .where(StreamEvent.shop_id == alice.shop_id)
        )
        assert sorted(told) == sorted([f"shop:{alice.shop_id}", f"visitor:{shopper.public_id}"])


async def test_a_refusal_speaks_the_language_the_request_accepts(client, shopper, alice):
    api = client.as_(alice)
    cid = shopper.conversation_id
    closed = await api.post(f"/api/v1/conversations/{cid}/close", json={"disposition": "spam"})
    assert closed.status_code == 200, closed.text
    url = f"/api/v1/conversations/{cid}/assign"
    answers = {}
    for accept in ("zh-CN,zh;q=0.9,en;q=0.8", "en-US,en;q=0.9", None):
        headers = {"Accept-Language": accept} if accept else {}
        refused = await api.post(url, json={"agent_id": alice.agent_id}, headers=headers)
        assert refused.status_code == 409
        answers[accept] = (refused.json()["error"]["code"], refused.json()["error"]["message"])
    assert answers == {
        "zh-CN,zh;q=0.9,en;q=0.8": ("conflict", "该会话已结束。"),
        "en-US,en;q=0.9": ("conflict", "This conversation is closed."),
        None: ("conflict", "this conversation is closed"),
    }
