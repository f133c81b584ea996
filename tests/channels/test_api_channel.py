"""The API channel end to end: an adapter posts a Taobao shopper's messages, agents see
them live, and agents' replies reach the adapter's webhook receiver, signed, retried,
dead-lettered and replayed, and never lost when a worker stops."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from kefu.app import create_app
from kefu.lib.signing import SIGNATURE_HEADER, verify
from kefu.models import Conversation, CustomerIdentity, Message, StreamEvent, WebhookDelivery
from kefu.models.base import utcnow
from tests.channels.conftest import make_worker
from tests.conftest import Client

SHOPPER = {"external_id": "tb_lixiaomei", "name": "李小美", "channel": "taobao"}


def said(text: str, message_id: str, conversation_id: str = "TB-88001") -> dict[str, Any]:
    return {
        "external_conversation_id": conversation_id,
        "external_message_id": message_id,
        "customer": SHOPPER,
        "text": text,
        "sent_at": "2026-11-25T20:15:00+08:00",
    }


async def add_webhook(api, receiver, path: str, events: list[str]) -> dict[str, Any]:
    body = {"url": receiver.url + path, "event_types": events}
    response = await api.post("/api/v1/webhooks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def reply(client, person, conversation_id: int, text: str, kind: str = "text") -> None:
    body = {"client_id": str(uuid.uuid4()), "body": text, "kind": kind}
    path = f"/api/v1/conversations/{conversation_id}/messages"
    response = await client.as_(person).post(path, json=body)
    assert response.status_code in (200, 201), response.text


async def test_a_retried_message_is_stored_once_and_agents_see_it_live(
    acme_key, sessionmaker, owen
):
    first = await acme_key.post("/api/v1/channels/api/messages", json=said("亲，在吗？", "m-1"))
    again = await acme_key.post("/api/v1/channels/api/messages", json=said("亲，在吗？", "m-1"))
    second = await acme_key.post(
        "/api/v1/channels/api/messages", json=said("这件羽绒服有黑色吗", "m-2")
    )
    assert (first.status_code, again.status_code, second.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert second.json()["conversation_id"] == first.json()["conversation_id"]
    async with sessionmaker() as session:
        conversation = await session.get_one(Conversation, first.json()["conversation_id"])
        assert (conversation.channel.value, conversation.external_id) == ("api", "TB-88001")
        bodies = await session.scalars(
            select(Message.body)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.id)
        )
        assert list(bodies) == ["亲，在吗？", "这件羽绒服有黑色吗"]
        identity = await session.scalar(
            select(CustomerIdentity).where(CustomerIdentity.handle == "tb_lixiaomei")
        )
        assert identity.channel == "taobao" and identity.customer_id == conversation.customer_id
        # The replay log: what agents' sockets receive live (or on resuming).
        live = await session.scalars(
            select(StreamEvent.payload)
            .where(StreamEvent.shop_id == owen.shop_id, StreamEvent.name == "message.created")
            .order_by(StreamEvent.id)
        )
        assert [p["message"]["body"] for p in live] == ["亲，在吗？", "这件羽绒服有黑色吗"]


async def test_a_message_id_reused_in_another_conversation_is_refused(acme_key):
    await acme_key.post("/api/v1/channels/api/messages", json=said("你好", "m-9"))
    response = await acme_key.post(
        "/api/v1/channels/api/messages", json=said("你好", "m-9", conversation_id="TB-OTHER")
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "external_message_id"


async def test_an_agents_reply_reaches_the_receiver_signed_and_notes_never_do(
    client, acme_key, owen, receiver, worker
):
    hook = await add_webhook(client.as_(owen), receiver, "/taobao", ["message.created"])
    posted = await acme_key.post("/api/v1/channels/api/messages", json=said("多久发货？", "m-1"))
    conversation_id = posted.json()["conversation_id"]
    await reply(client, owen, conversation_id, "亲，今天下午四点前下单当天发货哦")
    await reply(client, owen, conversation_id, "顾客比较急", kind="note")
    await worker.run_once()
    [request] = receiver.at("/taobao")
    assert verify(hook["secret"], request.headers[SIGNATURE_HEADER], request.body, int(time.time()))
    assert not verify("another-secret", request.headers[SIGNATURE_HEADER], request.body, 0)
    document = json.loads(request.body)
    assert document["event"] == "message.created"
    assert document["data"]["message"]["body"] == "亲，今天下午四点前下单当天发货哦"
    assert request.headers["X-Kefu-Delivery"] == str(document["id"])


async def test_closing_and_rating_reach_a_subscriber_of_conversation_changes(
    client, acme_key, owen, receiver, worker
):
    await add_webhook(client.as_(owen), receiver, "/jd", ["conversation.changed"])
    posted = await acme_key.post("/api/v1/channels/api/messages", json=said("退货地址？", "m-1"))
    conversation_id = posted.json()["conversation_id"]
    close = {"summary": "已发退货地址", "disposition": "resolved"}
    await client.as_(owen).post(f"/api/v1/conversations/{conversation_id}/close", json=close)
    await acme_key.post(f"/api/v1/conversations/{conversation_id}/rating", json={"rating": 5})
    await worker.run_once()
    changes = [json.loads(r.body)["data"]["change"] for r in receiver.at("/jd")]
    assert changes[-2:] == ["closed", "rated"]


async def test_a_failing_receiver_gets_retries_until_it_answers(
    client, owen, receiver, worker, sessionmaker
):
    hook = await add_webhook(client.as_(owen), receiver, "/flaky", ["message.created"])
    receiver.failures = [500, 503]
    await client.as_(owen).post(f"/api/v1/webhooks/{hook['id']}/test")
    await worker.run_once()
    assert len(receiver.at("/flaky")) == 3
    listed = await client.as_(owen).get("/api/v1/webhook-deliveries")
    [delivery] = listed.json()
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
        "delivered",
        3,
        200,
    )


async def test_retries_wait_longer_after_each_failure(
    client, owen, receiver, sessionmaker, settings
):
    hook = await add_webhook(client.as_(owen), receiver, "/down", ["message.created"])
    receiver.failures = [500, 500]
    await client.as_(owen).post(f"/api/v1/webhooks/{hook['id']}/test")
    patient = make_worker(sessionmaker, settings, webhook_retry_base_seconds=60)
    waits = []
    for _ in range(2):
        await patient.run_once()  # one attempt; the next is not due yet
        async with sessionmaker() as session:
            delivery = await session.scalar(select(WebhookDelivery))
            waits.append(delivery.next_attempt_at - utcnow())
            await session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
            await session.commit()
    await patient.stop()
    assert len(receiver.at("/down")) == 2
    assert timedelta(seconds=50) < waits[0] <= timedelta(seconds=60)
    assert timedelta(seconds=110) < waits[1] <= timedelta(seconds=120)


async def test_an_always_failing_receiver_ends_dead_lettered_and_replay_sends_again(
    client, owen, receiver, worker
):
    hook = await add_webhook(client.as_(owen), receiver, "/broken", ["message.created"])
    receiver.failures = [500, 500, 500]
    await client.as_(owen).post(f"/api/v1/webhooks/{hook['id']}/test")
    await worker.run_once()
    dead = (await client.as_(owen).get("/api/v1/webhook-deliveries?state=dead")).json()
    assert [(d["attempts"], d["last_status"]) for d in dead] == [(3, 500)]
    replayed = await client.as_(owen).post(f"/api/v1/webhook-deliveries/{dead[0]['id']}/replay")
    assert replayed.status_code == 202 and replayed.json()["state"] == "queued"
    await worker.run_once()
    assert len(receiver.at("/broken")) == 4
    assert (await client.as_(owen).get("/api/v1/webhook-deliveries?state=dead")).json() == []
    again = await client.as_(owen).post(f"/api/v1/webhook-deliveries/{dead[0]['id']}/replay")
    assert again.status_code == 409


async def test_a_worker_restart_does_not_lose_a_delivery(
    client, owen, receiver, sessionmaker, settings
):
    hook = await add_webhook(client.as_(owen), receiver, "/restart", ["message.created"])
    queued = (await client.as_(owen).post(f"/api/v1/webhooks/{hook['id']}/test")).json()
    crashed = make_worker(sessionmaker, settings, name="crashed")
    assert await crashed.claim(queued["id"])  # claimed, then the process died
    await crashed.stop()
    restarted = make_worker(sessionmaker, settings)
    assert not await restarted.claim(queued["id"])  # the compare-and-swap: one owner
    await restarted.run_once()
    assert receiver.at("/restart") == []  # its lease has not run out yet
    async with sessionmaker() as session:  # … and now it has
        expired = utcnow() - timedelta(seconds=settings.worker_lease_seconds + 1)
        await session.execute(update(WebhookDelivery).values(claimed_at=expired))
        await session.commit()
    await restarted.run_once()
    await restarted.stop()
    assert len(receiver.at("/restart")) == 1


async def test_another_shops_webhook_never_receives_acmes_events(
    client, acme_key, owen, mallory, receiver, worker
):
    await add_webhook(client.as_(owen), receiver, "/acme", ["message.created"])
    await add_webhook(client.as_(mallory), receiver, "/mallory", ["message.created"])
    posted = await acme_key.post("/api/v1/channels/api/messages", json=said("在吗", "m-1"))
    await reply(client, owen, posted.json()["conversation_id"], "在的亲")
    await worker.run_once()
    assert len(receiver.at("/acme")) == 1
    assert receiver.at("/mallory") == []


async def test_webhook_addresses_and_events_are_checked(client, owen):
    api = client.as_(owen)
    for body, field in (
        ({"url": "ftp://hooks.example.com", "event_types": ["message.created"]}, "url"),
        ({"url": "https://hooks.example.com", "event_types": ["order.paid"]}, "event_types"),
        ({"url": "https://hooks.example.com", "event_types": []}, "event_types"),
    ):
        response = await api.post("/api/v1/webhooks", json=body)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == field


async def test_the_server_sends_deliveries_by_itself(settings, owen, receiver):
    """The worker started by the app's lifespan picks up a committed reply on its own."""
    app = create_app(settings.model_copy(update={"worker_enabled": True}))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        Client(transport=transport, base_url="http://kefu.test") as client,
    ):
        await add_webhook(client.as_(owen), receiver, "/live", ["message.created"])
        created = await client.as_(owen).post("/api/v1/api-keys", json={"name": "抖音适配器"})
        headers = {"Authorization": f"Bearer {created.json()['key']}"}
        path = "/api/v1/channels/api/messages"
        posted = await client.post(path, json=said("发什么快递", "m-1"), headers=headers)
        await reply(client, owen, posted.json()["conversation_id"], "默认中通哦")
        for _ in range(500):  # no timing claim: just long enough never to be the flake
            if receiver.at("/live"):
                break
            await asyncio.sleep(0.02)
    assert len(receiver.at("/live")) == 1
