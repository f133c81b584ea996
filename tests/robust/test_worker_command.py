"""``kefu worker`` as its own process: sends due webhook deliveries, cleans up, and stops
cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from kefu.models.base import utcnow
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

ROOT = Path(__file__).resolve().parents[2]
POLLS = 400  # × 0.05 s: a safety net for a slow machine, not a timing assertion


async def _states(sessionmaker) -> dict[int, DeliveryState]:
    async with sessionmaker() as session:
        rows = await session.execute(select(WebhookDelivery.id, WebhookDelivery.state))
        return {row_id: state for row_id, state in rows}


async def test_kefu_worker_sends_deliveries_and_cleans_up_in_its_own_process(
    sessionmaker, settings, alice, receiver
):
    async with sessionmaker() as session:
        endpoint = WebhookEndpoint(
            shop_id=alice.shop_id, url=f"{receiver.url}/hook", secret="k" * 32, event_types=[]
        )
        session.add(endpoint)
        await session.flush()
        due = WebhookDelivery(
            shop_id=alice.shop_id,
            endpoint_id=endpoint.id,
            event="conversation.started",
            payload={"conversation_id": 1, "visitor": "张先生"},
        )
        old = WebhookDelivery(
            shop_id=alice.shop_id,
            endpoint_id=endpoint.id,
            event="message.created",
            payload={"body": "旧的"},
            state=DeliveryState.DELIVERED,
            delivered_at=utcnow() - timedelta(days=settings.webhook_retention_days + 1),
        )
        session.add_all([due, old])
        await session.commit()

    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "KEFU_DATABASE_URL": settings.effective_database_url,
        "KEFU_DATA_DIR": str(settings.data_dir),
        "KEFU_WORKER_POLL_SECONDS": "0.2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kefu", "worker", env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        for _ in range(POLLS):
            states = await _states(sessionmaker)
            if states == {due.id: DeliveryState.DELIVERED}:
                break
            await asyncio.sleep(0.05)
        assert states == {due.id: DeliveryState.DELIVERED}
        assert [r.headers["X-Kefu-Delivery"] for r in receiver.at("/hook")] == [str(due.id)]
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.decode().strip() == "worker stopped"
