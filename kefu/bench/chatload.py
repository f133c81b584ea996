"""The load generator of ``kefu bench chat``: shopper and agent sockets, message timing.

Every message is timed from the moment its shopper sends it to the ``message.created``
event carrying its ``client_id`` on the agent's socket. The load also keeps what exactly-once
delivery needs: which messages the server acknowledged, and how often each reached its agent.

The generator is a Python process too: once its sockets are open, its heap is settled as
the server's is (``kefu.lib.heap``). Its own collector's full passes (30-240 ms over the
bench's imports and its growing sets of ids) were otherwise counted as the latency of
every message in flight, the relay's and ours alike."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import websockets

from kefu.bench.chatseed import Participants, Shopper
from kefu.lib.heap import settle_heap

QUESTIONS = ("请问这款还有货吗？", "今天下单什么时候发货？", "我的快递到哪了？", "可以开发票吗？")
DRAIN_SECONDS = 10.0  # waiting for the last deliveries of a phase: a safety net
SETTLE_SECONDS = 30.0  # waiting for every acknowledged message before counting it lost
CLOSE_SECONDS = 2.0  # a server still working through a backlog may not answer a close


@dataclass(slots=True)
class PhaseFigures:
    delivered: int
    seconds: float
    latencies: list[float]
    errors: int
    undelivered: int = 0  # still on the way when the phase gave up waiting

    @property
    def msgs_per_second(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    def _percentile_ms(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 2)

    @property
    def p50_ms(self) -> float:
        return self._percentile_ms(0.50)

    @property
    def p99_ms(self) -> float:
        return self._percentile_ms(0.99)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Exactly-once figures over a whole load: ``lost`` messages were acknowledged but never
    reached their agent's socket; ``duplicated`` counts deliveries beyond the first."""

    acked: frozenset[str]  # the client_ids the server acknowledged
    lost: int
    duplicated: int

    @property
    def acknowledged(self) -> int:
        return len(self.acked)


@dataclass(frozen=True, slots=True)
class LoadFigures:
    fixed: PhaseFigures
    best: PhaseFigures
    best_cpu_seconds: float  # of every server process together
    delivery: Delivery

    @property
    def msgs_per_cpu_second(self) -> float:
        return self.best.delivered / self.best_cpu_seconds if self.best_cpu_seconds else 0.0

    def describe(self) -> str:
        return (
            f"fixed rate: {self.fixed.msgs_per_second:,.0f} msgs/s, p50 {self.fixed.p50_ms} ms, "
            f"p99 {self.fixed.p99_ms} ms; max: {self.best.msgs_per_second:,.0f} msgs/s, "
            f"p50 {self.best.p50_ms} ms, p99 {self.best.p99_ms} ms, "
            f"{self.msgs_per_cpu_second:,.0f} msgs per server CPU second; "
            f"errors {self.fixed.errors + self.best.errors}, "
            f"undelivered after {DRAIN_SECONDS:.0f} s {self.fixed.undelivered}; "
            f"acknowledged {self.delivery.acknowledged:,}, lost {self.delivery.lost}, "
            f"duplicated {self.delivery.duplicated}"
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """Which server (``host:port``) each socket connects to, as a load balancer without
    sticky sessions would spread them: ``agent(i)`` for the i-th agent socket,
    ``shopper(n)`` for the n-th shopper's."""

    agent: Callable[[int], str]
    shopper: Callable[[int], str]

    @classmethod
    def one(cls, address: str) -> Placement:
        return cls(lambda _i: address, lambda _n: address)


@dataclass(slots=True)
class Load:
    """Open sockets and what is in flight on them."""

    shoppers: list[tuple[Shopper, websockets.ClientConnection]]
    windows: list[asyncio.Semaphore] = field(default_factory=list)  # per shopper, per phase
    sent: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    delivered: int = 0
    errors: int = 0
    counter: int = 0
    all_delivered: asyncio.Event = field(default_factory=asyncio.Event)
    acked: set[str] = field(default_factory=set)  # every client_id the server acknowledged
    seen: set[str] = field(default_factory=set)  # every client_id an agent socket received
    unseen: set[str] = field(default_factory=set)  # acknowledged, not yet received
    caught_up: asyncio.Event = field(default_factory=asyncio.Event)  # unseen went empty
    duplicated: int = 0

    @classmethod
    @asynccontextmanager
    async def connect(cls, place: Placement, people: Participants) -> AsyncIterator[Load]:
        sockets: list[websockets.ClientConnection] = []
        readers: list[asyncio.Task[None]] = []
        load = cls([])
        try:
            for i, (key, cookie) in enumerate(people.agents.items()):
                ws = await _open(
                    f"ws://{place.agent(i)}/ws/agent?agent={key}",
                    {"Cookie": f"kefu_session={cookie}"},
                )
                sockets.append(ws)
                readers.append(asyncio.create_task(load._agent_reader(ws)))
            for n, shopper in enumerate(people.shoppers):
                address = place.shopper(n)
                url = f"ws://{address}/ws/visitor?token={shopper.token}&agent={shopper.agent_key}"
                ws = await _open(url, None)
                sockets.append(ws)
                readers.append(asyncio.create_task(load._visitor_reader(ws, len(load.shoppers))))
                load.shoppers.append((shopper, ws))
            gc.collect()  # nothing dead frozen with the rest
            settle_heap()
            yield load
        finally:
            for task in readers:
                task.cancel()
            await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    async def _agent_reader(self, ws: websockets.ClientConnection) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "event" and frame["name"] == "message.created":
                client_id = frame["data"]["message"]["client_id"]
                if client_id in self.seen:
                    self.duplicated += 1
                    continue
                self.seen.add(client_id)
                self.unseen.discard(client_id)
                if not self.unseen:
                    self.caught_up.set()
                started = self.sent.pop(client_id, None)
                if started is not None:
                    self.latencies.append(time.perf_counter() - started)
                    self.delivered += 1
                    if not self.sent:
                        self.all_delivered.set()

    async def _visitor_reader(self, ws: websockets.ClientConnection, index: int) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "error":
                self.errors += 1
            elif kind == "ack":
                self.acked.add(frame["client_id"])
                if frame["client_id"] not in self.seen:
                    self.unseen.add(frame["client_id"])
            if kind in ("ack", "error") and self.windows:
                self.windows[index].release()

    async def send(self, shopper: Shopper, ws: websockets.ClientConnection) -> None:
        self.counter += 1
        client_id = str(uuid.uuid4())
        frame = {
            "type": "message",
            "conversation_id": shopper.conversation_id,
            "client_id": client_id,
            "body": f"{QUESTIONS[self.counter % len(QUESTIONS)]}（{self.counter}）",
        }
        self.sent[client_id] = time.perf_counter()
        await ws.send(json.dumps(frame, ensure_ascii=False))

    async def drain(self) -> int:
        """Wait for the phase's last deliveries; messages still missing then count with
        the time waited so far (their latency is at least that), and are returned."""
        self.all_delivered.clear()
        if self.sent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_delivered.wait(), DRAIN_SECONDS)
        now = time.perf_counter()
        self.latencies.extend(now - started for started in self.sent.values())
        missing = len(self.sent)
        self.sent.clear()
        return missing

    async def settle(self) -> Delivery:
        """Wait until every acknowledged message has reached its agent (or give up after
        ``SETTLE_SECONDS``), then count what was lost and duplicated."""
        self.caught_up.clear()
        if self.unseen:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.caught_up.wait(), SETTLE_SECONDS)
        return Delivery(frozenset(self.acked), len(self.unseen), self.duplicated)


async def _open(url: str, headers: dict[str, str] | None) -> websockets.ClientConnection:
    ws = await websockets.connect(
        url, additional_headers=headers, max_queue=None, close_timeout=CLOSE_SECONDS
    )
    await ws.send(json.dumps({"type": "hello", "last_event_id": None}))
    while json.loads(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def _offered(load: Load, seconds: float, rate: float) -> None:
    """Open loop: message i leaves at start + i / rate, whatever the answers."""
    start = time.perf_counter()
    total = int(seconds * rate)
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        shopper, ws = load.shoppers[i % len(load.shoppers)]
        await load.send(shopper, ws)


async def _closed_loop(load: Load, seconds: float) -> None:
    """Each shopper keeps its window of messages waiting for their ack."""
    stop = time.perf_counter() + seconds

    async def shopper_loop(index: int) -> None:
        shopper, ws = load.shoppers[index]
        while time.perf_counter() < stop:
            await load.windows[index].acquire()
            await load.send(shopper, ws)

    await asyncio.gather(*(shopper_loop(i) for i in range(len(load.shoppers))))


async def run_phase(load: Load, *, seconds: float, rate: float | None, window: int) -> PhaseFigures:
    """Delivered messages per second over the phase, and every delivery's latency."""
    load.latencies, load.delivered, load.errors = [], 0, 0
    load.windows = [asyncio.Semaphore(window) for _ in load.shoppers]
    start = time.perf_counter()
    if rate is not None:
        await _offered(load, seconds, rate)
    else:
        await _closed_loop(load, seconds)
    elapsed = time.perf_counter() - start
    delivered = load.delivered
    undelivered = await load.drain()
    return PhaseFigures(delivered, elapsed, list(load.latencies), load.errors, undelivered)
