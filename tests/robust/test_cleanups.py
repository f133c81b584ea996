"""The worker's cleanups: delivered webhooks, images no message shows, old replay-log rows;
and a client resuming from before the pruned rows is told to reload."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from kefu.lib.images import stored_path
from kefu.models import Conversation, ConversationStatus, Message, StreamEvent, Upload
from kefu.models.base import utcnow
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from kefu.worker import Worker
from kefu.worker.cleanup import run_cleanups
from tests.chat.conftest import agent_socket, make_shopper
from tests.chat.wsclient import Socket
from tests.widget.conftest import png_bytes

DAY = timedelta(days=1)


async def _deliveries(sessionmaker, shop_id: int) -> dict[str, int]:
    """One delivery per case; returns their ids by name."""
    now = utcnow()
    cases = {
        "delivered_long_ago": (DeliveryState.DELIVERED, now - 31 * DAY),
        "delivered_yesterday": (DeliveryState.DELIVERED, now - DAY),
        "dead_long_ago": (DeliveryState.DEAD, None),
        "queued": (DeliveryState.QUEUED, None),
    }
    async with sessionmaker() as session:
        endpoint = WebhookEndpoint(
            shop_id=shop_id, url="http://127.0.0.1:9/hook", secret="s" * 32, event_types=[]
        )
        session.add(endpoint)
        await session.flush()
        rows = {
            name: WebhookDelivery(
                shop_id=shop_id,
                endpoint_id=endpoint.id,
                event="message.created",
                payload={"body": "在吗"},
                state=state,
                delivered_at=delivered_at,
                created_at=now - 40 * DAY,
            )
            for name, (state, delivered_at) in cases.items()
        }
        session.add_all(rows.values())
        await session.commit()
        return {name: row.id for name, row in rows.items()}


async def test_delivered_webhooks_are_forgotten_after_the_retention(sessionmaker, settings, alice):
    ids = await _deliveries(sessionmaker, alice.shop_id)
    cleaned = await run_cleanups(sessionmaker, settings, utcnow())
    assert cleaned.webhook_deliveries == 1
    async with sessionmaker() as session:
        left = set(await session.scalars(select(WebhookDelivery.id)))
    assert left == {ids["delivered_yesterday"], ids["dead_long_ago"], ids["queued"]}


async def _upload(client, shopper) -> int:
    stored = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/images",
        files={"file": ("快递单.png", png_bytes(), "image/png")},
        headers=shopper.headers,
    )
    assert stored.status_code == 201, stored.text
    return stored.json()["id"]


async def test_images_no_message_shows_are_deleted_after_a_day(
    client, shopper, sessionmaker, settings
):
    shown, abandoned, fresh = [await _upload(client, shopper) for _ in range(3)]
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "kind": "image", "payload": {"upload_id": shown}},
        headers=shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    async with sessionmaker() as session:
        await session.execute(
            update(Upload)
            .where(Upload.id.in_([shown, abandoned]))
            .values(created_at=utcnow() - 2 * DAY)
        )
        await session.commit()
        gone = await session.get_one(Upload, abandoned)
    files = [
        stored_path(settings.data_dir, gone.shop_id, gone.stored_name, thumbnail=t)
        for t in (False, True)
    ]
    assert all(f.exists() for f in files)

    cleaned = await run_cleanups(sessionmaker, settings, utcnow())
    assert cleaned.uploads == 1
    assert not any(f.exists() for f in files)
    async with sessionmaker() as session:
        assert set(await session.scalars(select(Upload.id))) == {shown, fresh}
    image = await client.get(f"/api/v1/widget/images/{shown}", headers=shopper.headers)
    assert image.content == png_bytes()


async def _age_events(sessionmaker, days: int) -> list[int]:
    """Make every replay-log row ``days`` old; returns their ids."""
    async with sessionmaker() as session:
        await session.execute(update(StreamEvent).values(created_at=utcnow() - days * DAY))
        await session.commit()
        return list(await session.scalars(select(StreamEvent.id).order_by(StreamEvent.id)))


async def test_old_replay_rows_go_and_a_client_from_before_them_is_told_to_reload(
    server, client, shopper, sessionmaker, settings, alice
):
    say = f"/api/v1/widget/conversations/{shopper.conversation_id}/messages"
    first = await agent_socket(server, alice)  # its cursor: before everything below
    await first.close()
    for body in ("上周的问题", "还在吗"):
        sent = await client.post(
            say, json={"client_id": str(uuid.uuid4()), "body": body}, headers=shopper.headers
        )
        assert sent.status_code == 200, sent.text
    aged = await _age_events(sessionmaker, settings.stream_retention_days + 1)
    sent = await client.post(
        say, json={"client_id": str(uuid.uuid4()), "body": "今天的新消息"}, headers=shopper.headers
    )
    async with sessionmaker() as session:
        head = max(await session.scalars(select(StreamEvent.id)))

    cleaned = await run_cleanups(sessionmaker, settings, utcnow())
    assert cleaned.stream_events == len(aged)
    async with sessionmaker() as session:
        assert min(await session.scalars(select(StreamEvent.id))) > aged[-1]

    stale = await Socket.open(
        f"ws://{server}/ws/agent",
        headers={"Cookie": f"kefu_session={alice.session_token}"},
        last_event_id=first.last_event_id,
    )
    assert stale.last_event_id == head  # starts from now, after telling it to reload
    assert [f["code"] for f in stale.stash if f["type"] == "error"] == ["stale_cursor"]
    await stale.close()
    current = await agent_socket(server, alice, last_event_id=aged[-1])
    assert not [f for f in current.stash if f["type"] == "error"]
    assert (await current.event("message.created"))["data"]["message"]["body"] == "今天的新消息"
    await current.close()


async def test_an_emptied_log_gives_new_ids_and_a_current_client_carries_on(
    server, client, shopper, sessionmaker, settings, alice
):
    """After a quiet month the cleanup deletes every row; the next event still gets an id
    past all of them, and an agent who had seen the last one resumes without a reload."""
    aged = await _age_events(sessionmaker, settings.stream_retention_days + 30)
    cleaned = await run_cleanups(sessionmaker, settings, utcnow())
    assert cleaned.stream_events == len(aged)
    async with sessionmaker() as session:
        assert list(await session.scalars(select(StreamEvent.id))) == []

    resumed = await agent_socket(server, alice, last_event_id=aged[-1])
    assert not [f for f in resumed.stash if f["type"] == "error"]
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": "一个月后又来问"},
        headers=shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    created = await resumed.event("message.created")
    assert created["data"]["message"]["body"] == "一个月后又来问"
    assert created["id"] > aged[-1]
    await resumed.close()


async def test_a_log_never_pruned_replays_from_zero_whatever_its_ids(server, sessionmaker, alice):
    """Ids need not start at 1 (a PostgreSQL sequence moves on after a rollback)."""
    async with sessionmaker() as session:
        session.add(
            StreamEvent(
                id=1000,
                shop_id=alice.shop_id,
                stream=f"agent:{alice.agent_id}",
                name="conversation.changed",
                payload={"change": "assigned"},
            )
        )
        await session.commit()
    socket = await agent_socket(server, alice, last_event_id=0)
    assert (await socket.event("conversation.changed"))["id"] == 1000
    assert not [f for f in socket.stash if f["type"] == "error"]
    await socket.close()


async def test_the_worker_inside_the_server_cleans_up_too(sessionmaker, settings, alice):
    """``kefu serve`` starts this same worker when KEFU_WORKER_ENABLED is on."""
    ids = await _deliveries(sessionmaker, alice.shop_id)
    worker = Worker(sessionmaker, settings.model_copy(update={"worker_poll_seconds": 0.1}))
    worker.start()
    try:
        for _ in range(200):  # × 0.05 s: a safety net, not a timing assertion
            async with sessionmaker() as session:
                left = set(await session.scalars(select(WebhookDelivery.id)))
            if ids["delivered_long_ago"] not in left:
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    assert ids["delivered_long_ago"] not in left
    assert ids["delivered_yesterday"] in left


async def _closed(sessionmaker, conversation_id: int, days_ago: int) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(status=ConversationStatus.CLOSED, closed_at=utcnow() - days_ago * DAY)
        )
        await session.commit()


async def test_a_shop_keeps_closed_conversations_as_long_as_it_says(
    client, shopper, sessionmaker, settings, owen, mallory
):
    picture = await _upload(client, shopper)
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "kind": "image", "payload": {"upload_id": picture}},
        headers=shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    recent = await make_shopper(client)
    elsewhere = await make_shopper(client, shop_slug=mallory.shop_slug)
    await _closed(sessionmaker, shopper.conversation_id, 91)
    await _closed(sessionmaker, recent.conversation_id, 89)
    await _closed(sessionmaker, elsewhere.conversation_id, 400)  # mallory keeps all
    async with client.as_(owen) as c:
        refused = await c.patch("/api/v1/shop", json={"conversation_retention_days": 7})
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == "conversation_retention_days"
        kept = await c.patch("/api/v1/shop", json={"conversation_retention_days": 90})
        assert kept.json()["conversation_retention_days"] == 90
    async with sessionmaker() as session:
        upload = await session.get_one(Upload, picture)
    file = stored_path(settings.data_dir, upload.shop_id, upload.stored_name, thumbnail=False)

    cleaned = await run_cleanups(sessionmaker, settings, utcnow())
    assert cleaned.conversations == 1
    assert not file.exists()
    async with sessionmaker() as session:
        left = set(await session.scalars(select(Conversation.id)))
        messages = set(await session.scalars(select(Message.conversation_id)))
    assert left == {recent.conversation_id, elsewhere.conversation_id}
    assert shopper.conversation_id not in messages
