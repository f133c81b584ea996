"""Background jobs: the webhook deliveries; at every poll the snoozed conversations, the
SLA sweep of cases (warnings, breaches), campaign messages whose quiet hours are over, the
lifecycle journey steps that came due (``kefu.crm.journey_runs``), the fold of new report
facts into hourly rollups (docs/kpis.md), the scorecards of conversations closed since
(docs/quality.md#scorecards), then the scheduled e-mail reports that are due
(``kefu.worker.report_mail``), the e-mail channel's polls and mails
(``kefu.worker.mail``); every hour the cleanups of ``kefu.worker.cleanup``, the
shops' daily RFM snapshots and the proactive-exception rules (``kefu.actions.proactive``).
Runs inside the server (started from the app's lifespan) or as its own process
(``kefu worker``); several may run at once.

Jobs are rows. A worker claims one with a compare-and-swap ``UPDATE … WHERE state =
'queued'``: of two workers racing for a row exactly one updates it. A worker that dies
leaves its rows ``running``; once their lease runs out any worker queues them again, so
a restart never loses a job (a receiver may then see a delivery twice: it deduplicates
by the ``X-Kefu-Delivery`` id)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.actions.bot import do_close_idle_bot_conversations
from kefu.actions.conversations import do_wake_snoozed
from kefu.actions.escalations import do_sweep_sla
from kefu.actions.proactive import run_proactive_rules
from kefu.actions.scorecards import score_pending
from kefu.crm.journey_runs import run_due_journeys
from kefu.crm.outreach import send_due_messages
from kefu.crm.shop_rfm import take_due_snapshots
from kefu.db import any_row
from kefu.lib.signing import SIGNATURE_HEADER, sign
from kefu.metrics import JOB_ATTEMPTS
from kefu.models.base import utcnow
from kefu.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from kefu.reports.activity_facts import count_online_hours
from kefu.reports.rollup import fold_all
from kefu.settings import Settings
from kefu.worker.cleanup import run_cleanups
from kefu.worker.mail import poll_mailboxes, send_due_mails
from kefu.worker.report_mail import send_due_reports

log = logging.getLogger(__name__)
BATCH = 20
MAX_ERROR = 500
CLEANUP_EVERY_SECONDS = 3600.0
STOP_GRACE_SECONDS = 10.0


def worker_name() -> str:
    """Who claimed a row, for a person reading the table: host, process, a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def request_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent and signed."""
    document = {
        "id": delivery.id,
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


class Worker:
    """Claims due deliveries, sends them, records the outcome."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        name: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.name = name or worker_name()
        self._client = httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, transport=transport
        )
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_cleanup = 0.0  # time.monotonic(): the first round cleans up
        self._stopping = False

    def wake(self) -> None:
        """Look for work now instead of at the next poll (called after a commit)."""
        self._wake.set()

    async def requeue_stale(self) -> int:
        """Queue again the rows whose worker has held them longer than the lease."""
        expired = utcnow() - timedelta(seconds=self.settings.worker_lease_seconds)
        stale = (
            WebhookDelivery.state == DeliveryState.RUNNING,
            WebhookDelivery.claimed_at < expired,
        )
        async with self.sessionmaker() as session:
            if not await any_row(session, WebhookDelivery, *stale):
                return 0
            result = await session.execute(
                update(WebhookDelivery)
                .where(*stale)
                .values(state=DeliveryState.QUEUED, claimed_by=None, claimed_at=None)
            )
            await session.commit()
            return result.rowcount

    async def claim(self, delivery_id: int) -> bool:
        """The compare-and-swap: True if this worker now owns the row."""
        async with self.sessionmaker() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.state == DeliveryState.QUEUED,
                )
                .values(state=DeliveryState.RUNNING, claimed_by=self.name, claimed_at=utcnow())
            )
            await session.commit()
            return result.rowcount == 1

    async def _due(self) -> list[int]:
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.state == DeliveryState.QUEUED,
                    WebhookDelivery.next_attempt_at <= utcnow(),
                )
                .order_by(WebhookDelivery.id)
                .limit(BATCH)
            )
            return list(rows)

    async def run_once(self, *, requeue: bool = True) -> int:
        """Re-queue stale rows (unless told not to), then send every due delivery;
        returns how many were tried."""
        if requeue:
            await self.requeue_stale()
        tried = 0
        while due := await self._due():
            for delivery_id in due:
                if await self.claim(delivery_id):
                    await self._deliver(delivery_id)
                    tried += 1
        return tried

    async def _send(
        self, delivery: WebhookDelivery, endpoint: WebhookEndpoint
    ) -> tuple[int | None, str | None]:
        """POST it: the answer's status (None without an answer) and what went wrong
        (None on a 2xx answer)."""
        body = request_body(delivery)
        headers = {
            "Content-Type": "application/json",
            "X-Kefu-Event": delivery.event,
            "X-Kefu-Delivery": str(delivery.id),
            SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
        }
        try:
            response = await self._client.post(endpoint.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        if response.is_success:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}: {response.text}"[:MAX_ERROR]

    async def _deliver(self, delivery_id: int) -> None:
        """Read the row, send with no transaction open (a slow receiver holds no
        connection), then record the outcome."""
        async with self.sessionmaker() as session:
            delivery = await session.get_one(WebhookDelivery, delivery_id)
            endpoint = await session.get_one(WebhookEndpoint, delivery.endpoint_id)
            await session.commit()  # ends the read; the loaded rows stay usable
            status, error = await self._send(delivery, endpoint)
            self._record(delivery, status, error)
            await session.commit()

    def _record(self, delivery: WebhookDelivery, status: int | None, error: str | None) -> None:
        """Delivered, or retried after base × 2^(attempts−1) seconds, or dead at the last."""
        delivery.attempts += 1
        delivery.claimed_by = delivery.claimed_at = None
        delivery.last_status = status
        delivery.last_error = error
        if error is None:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = utcnow()
        elif delivery.attempts >= self.settings.webhook_max_attempts:
            delivery.state = DeliveryState.DEAD
        else:
            wait = self.settings.webhook_retry_base_seconds * 2 ** (delivery.attempts - 1)
            delivery.state = DeliveryState.QUEUED
            delivery.next_attempt_at = utcnow() + timedelta(seconds=wait)
        outcome = "retry" if delivery.state == DeliveryState.QUEUED else delivery.state.value
        JOB_ATTEMPTS.labels("webhook_delivery", outcome).inc()

    async def wake_snoozed(self) -> int:
        """Conversations whose snooze time has come are open again (at every poll)."""
        async with self.sessionmaker() as session:
            woken = await do_wake_snoozed(session, utcnow())
            await session.commit()
        return woken

    async def close_idle_bot_conversations(self) -> int:
        """Conversations the bot held whose shopper went quiet close as resolved."""
        async with self.sessionmaker() as session:
            closed = await do_close_idle_bot_conversations(session, utcnow())
            await session.commit()
        return closed

    async def sweep_sla(self) -> int:
        """Warn and escalate the cases whose SLA check time has come (at every poll); safe
        with several workers at once (see kefu.actions.escalations)."""
        async with self.sessionmaker() as session:
            steps = await do_sweep_sla(session, utcnow())
            await session.commit()
        return steps

    async def send_campaign_messages(self) -> int:
        """Campaign messages deferred by quiet hours go out once these end (every poll)."""
        async with self.sessionmaker() as session:
            sent = await send_due_messages(session, utcnow())
            await session.commit()
        return sent

    async def run_journeys(self) -> int:
        """Lifecycle journey steps that came due go out (at most once per customer and
        trigger, also with several workers: see kefu.crm.journey_runs)."""
        return await run_due_journeys(self.sessionmaker, utcnow())

    async def fold_reports(self) -> int:
        """Count the finished online hours of agents still online, then fold the report
        facts recorded since the last poll into hourly rollups, a
        batch per transaction until none is left; safe with several workers at once
        (see kefu.reports.rollup). Dashboards count unfolded facts too, so a slow fold
        delays nothing but makes reads cheaper."""
        async with self.sessionmaker() as session:
            await count_online_hours(session, utcnow())
            await session.commit()
            return await fold_all(session)

    async def score_conversations(self) -> int:
        """Score the conversations closed since the last poll (their pending scorecards);
        safe with several workers at once (see kefu.actions.scorecards)."""
        async with self.sessionmaker() as session:
            return await score_pending(session, utcnow())

    async def send_reports(self) -> int:
        """Scheduled reports whose send hour has come (or whose retry is due) go out."""
        return await send_due_reports(self.sessionmaker, self.settings, utcnow())

    async def poll_mail(self) -> int:
        """Fetch new mail from the shops' mailboxes whose poll is due (each at most every
        ``KEFU_MAIL_POLL_SECONDS``; one worker per mailbox at a time)."""
        return await poll_mailboxes(self.sessionmaker, self.settings, utcnow())

    async def send_mail(self) -> int:
        """Send the e-mail channel's queued mails that are due (replies, automatic answers)."""
        return await send_due_mails(self.sessionmaker, self.settings, utcnow())

    async def run_proactive(self) -> int:
        """The proactive-exception rules: cases and shopper notices for stalled parcels,
        late deliveries, stock-outs after payment and price errors (one per rule and
        order or shipment, also with several workers: see kefu.actions.proactive)."""
        return await run_proactive_rules(self.sessionmaker, utcnow())

    async def _clean_when_due(self) -> None:
        """Hourly: the cleanups, a shop whose day has turned gets its RFM snapshot, and
        the proactive-exception rules run."""
        if time.monotonic() < self._next_cleanup:
            return
        self._next_cleanup = time.monotonic() + CLEANUP_EVERY_SECONDS
        await run_cleanups(self.sessionmaker, self.settings, utcnow())
        await take_due_snapshots(self.sessionmaker, utcnow())
        await self.run_proactive()

    def _round(self, woken: bool) -> list[Callable[[], Awaitable[object]]]:
        """The jobs of one round, in order; stale leases are looked for at the polls only
        (a lease lasts far longer than a poll)."""
        return [
            lambda: self.run_once(requeue=not woken),
            self.wake_snoozed,
            self.close_idle_bot_conversations,
            self.sweep_sla,
            self.send_campaign_messages,
            self.run_journeys,
            self.fold_reports,
            self.score_conversations,
            self.send_reports,
            self.poll_mail,
            self.send_mail,
            self._clean_when_due,
        ]

    async def _loop(self) -> None:
        """A round at every poll, and one whenever a commit queued jobs. The stop flag is
        read between jobs, so a stop never cuts a job's transaction in half."""
        woken = False
        while not self._stopping:
            try:
                for job in self._round(woken):
                    if self._stopping:
                        return
                    await job()
            except Exception:  # a database hiccup must not end the worker for good
                log.exception("worker round failed; trying again")
            self._wake.clear()
            woken = True
            try:  # asyncio.timeout: wait_for can lose a cancel on Python 3.11 (see hub.py)
                async with asyncio.timeout(self.settings.worker_poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                woken = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name=f"kefu-worker {self.name}")

    async def stop(self) -> None:
        """Stop between jobs: the job under way may finish for ``STOP_GRACE_SECONDS``;
        one still running then is cancelled, stays running and is re-queued after its
        lease. (Cancelling at once could leave an interrupted write holding SQLite's
        lock for whoever comes next.)"""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            done, _ = await asyncio.wait({self._task}, timeout=STOP_GRACE_SECONDS)
            if not done:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._client.aclose()


async def run_until_stopped(settings: Settings) -> None:
    """``kefu worker``: the worker loop in this process until SIGTERM or SIGINT. With no
    server beside it nobody wakes it after a commit, so it finds work by polling."""
    from kefu.db import make_engine, make_sessionmaker

    engine = make_engine(settings.effective_database_url)
    worker = Worker(make_sessionmaker(engine), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("worker %s started", worker.name)
    worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await engine.dispose()
    log.info("worker %s stopped", worker.name)
