"""``kefu worker`` as its own process: sends due webhook deliveries, cleans up, stops
cleanly on SIGTERM (finishing the job under way), and a kill -9 in the middle of a
delivery loses no job."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


async def _endpoint(session, alice, url: str) -> WebhookEndpoint:
    """alice's shop's webhook endpoint at ``url``/hook, for every event."""
    endpoint = WebhookEndpoint(
        shop_id=alice.shop_id, url=f"{url}/hook", secret="k" * 32, event_types=[]
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def test_kefu_worker_sends_deliveries_and_cleans_up_in_its_own_process(
    sessionmaker, settings, alice, receiver
):
    async with sessionmaker() as session:
        endpoint = await _endpoint(session, alice, receiver.url)
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


class StallingReceiver:
    """A webhook receiver that holds its first request until ``released`` is set (the
    worker is killed or stopped while it waits), then drops it, or answers 200 when
    ``answer_first``; every later request gets 200. It records each delivery id."""

    def __init__(self, *, answer_first: bool = False) -> None:
        self.ids: list[str] = []
        self.first_arrived = threading.Event()
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.ids.append(self.headers["X-Kefu-Delivery"])
                if len(receiver.ids) == 1:
                    receiver.first_arrived.set()
                    # No answer: hold the connection open until the test ends. Returning
                    # would close it, and the worker would record a failed attempt (on a
                    # busy machine before the test looks at the row).
                    receiver.released.wait()
                    if not answer_first:
                        return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet: the test output is for the tests."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


async def _queued(sessionmaker, alice, url: str, payload: dict) -> WebhookDelivery:
    """A conversation.closed delivery queued for an endpoint at ``url``/hook."""
    async with sessionmaker() as session:
        endpoint = await _endpoint(session, alice, url)
        delivery = WebhookDelivery(
            shop_id=alice.shop_id,
            endpoint_id=endpoint.id,
            event="conversation.closed",
            payload=payload,
        )
        session.add(delivery)
        await session.commit()
    return delivery


def _worker(settings, **env: str):
    return asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kefu",
        "worker",
        env=os.environ
        | {
            "PYTHONPATH": str(ROOT),
            "KEFU_DATABASE_URL": settings.effective_database_url,
            "KEFU_DATA_DIR": str(settings.data_dir),
            "KEFU_WORKER_POLL_SECONDS": "0.2",
            **env,
        },
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )


async def test_a_worker_killed_mid_delivery_loses_no_job(sessionmaker, settings, alice):
    """kill -9 while a delivery is on the wire: the row stays claimed until its lease
    runs out, then another worker sends it again with the same delivery id (which the
    receiver uses to drop the repeat)."""
    receiver = StallingReceiver()
    try:
        delivery = await _queued(sessionmaker, alice, receiver.url, {"conversation_id": 7})

        first = await _worker(settings, KEFU_WEBHOOK_TIMEOUT_SECONDS="120")
        try:
            arrived = await asyncio.to_thread(receiver.first_arrived.wait, POLLS * 0.05)
            assert arrived, "the first worker never sent the delivery"
            assert await _states(sessionmaker) == {delivery.id: DeliveryState.RUNNING}
        finally:
            first.kill()
            await first.wait()

        second = await _worker(settings, KEFU_WORKER_LEASE_SECONDS="1")
        try:
            for _ in range(POLLS):
                states = await _states(sessionmaker)
                if states == {delivery.id: DeliveryState.DELIVERED}:
                    break
                await asyncio.sleep(0.05)
        finally:
            second.send_signal(signal.SIGTERM)
            await second.wait()
    finally:
        receiver.close()
    assert states == {delivery.id: DeliveryState.DELIVERED}
    assert receiver.ids == [str(delivery.id), str(delivery.id)]


async def test_sigterm_lets_the_delivery_on_the_wire_finish(sessionmaker, settings, alice):
    """A worker told to stop while a receiver is still answering waits for the answer
    and records it: the delivery is delivered once, not left claimed for a lease."""
    receiver = StallingReceiver(answer_first=True)
    try:
        payload = {"conversation_id": 8, "visitor": "王女士"}
        delivery = await _queued(sessionmaker, alice, receiver.url, payload)

        worker = await _worker(settings)
        try:
            arrived = await asyncio.to_thread(receiver.first_arrived.wait, POLLS * 0.05)
            assert arrived, "the worker never sent the delivery"
            worker.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.3)  # the signal is taken while the request waits
            receiver.released.set()
            assert await worker.wait() == 0
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    finally:
        receiver.close()
    async with sessionmaker() as session:
        row = await session.get_one(WebhookDelivery, delivery.id)
    assert (row.state, row.attempts, row.claimed_by) == (DeliveryState.DELIVERED, 1, None)
    assert receiver.ids == [str(delivery.id)]
