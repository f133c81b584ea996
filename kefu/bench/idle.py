"""``kefu bench idle``: the server's memory with many idle widget connections.

A uvicorn subprocess serves Kefu on a fresh SQLite database (migrated, the demo shop
built, N widget visitors). The load generator opens one visitor socket per visitor, says
hello, waits for every ``welcome``, lets the sockets sit, checks that a sample is still
open, and reads the server's resident memory (VmRSS) before and after.
Target: 10,000 idle widget connections in < 600 MiB server RSS.

Baseline, in the same run with the same sockets: the bare Starlette relay of ``kefu bench
chat`` (``kefu.bench.relay``), which holds a socket and nothing else. ``ratio`` = ours
÷ relay (RSS with every connection open)."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

import websockets

from kefu.bench import BenchResult, note
from kefu.bench.chat import (
    SECRET,
    Server,
    database_url,
    on_fresh_database,
    process_tree,
    server_env,
)
from kefu.db import make_engine, make_sessionmaker
from kefu.demo.build import build_demo
from kefu.lib.tokens import sign_visitor_token
from kefu.models import Visitor

FULL_CONNECTIONS = 10_000
QUICK_CONNECTIONS = 500
OPENING_AT_ONCE = 100
SETTLE_SECONDS = 3.0
PING_SAMPLE = 50
TARGET_MIB = 600


@dataclass(frozen=True, slots=True)
class Memory:
    empty_mib: float  # the server started, no socket open
    loaded_mib: float  # every socket open and idle
    connections: int

    @property
    def kib_per_connection(self) -> float:
        return (self.loaded_mib - self.empty_mib) * 1024 / self.connections


def rss_mib(root: int) -> float:
    """Resident memory of a server: its process and every process under it (on SQLite
    the writer process and its fork server), from Linux's /proc. Pages a forked process
    still shares with its parent count in both: the sum errs high."""
    return sum(_rss_mib(pid) for pid in process_tree(root))


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _visitor_tokens(url: str, count: int) -> list[str]:
    """The demo shop and ``count`` widget visitors, each with its signed token."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            summary = await build_demo(session)
            visitors = [
                Visitor(shop_id=summary.shop_id, public_id=secrets.token_hex(16))
                for _ in range(count)
            ]
            session.add_all(visitors)
            await session.commit()
    finally:
        await engine.dispose()
    return [sign_visitor_token(SECRET, summary.shop_id, v.public_id) for v in visitors]


async def _open(address: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(
        f"ws://{address}/ws/visitor?token={token}&agent=none", open_timeout=60
    )
    await ws.send(json.dumps({"type": "hello", "last_event_id": None}))
    while json.loads(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def _still_answering(sockets: list[websockets.ClientConnection]) -> None:
    """A sample of the idle sockets must still be open (the server did not shed them)."""
    for ws in sockets[:: max(1, len(sockets) // PING_SAMPLE)]:
        if ws.close_code is not None:
            raise RuntimeError(f"an idle socket was closed by the server ({ws.close_code})")


async def _hold(server: Server, tokens: list[str]) -> Memory:
    assert server.process is not None
    pid = server.process.pid
    empty = rss_mib(pid)
    sockets: list[websockets.ClientConnection] = []
    try:
        for start in range(0, len(tokens), OPENING_AT_ONCE):
            chunk = tokens[start : start + OPENING_AT_ONCE]
            sockets += await asyncio.gather(*(_open(server.address, t) for t in chunk))
        await asyncio.sleep(SETTLE_SECONDS)
        await _still_answering(sockets)
        return Memory(empty, rss_mib(pid), len(sockets))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


async def _bench(work: Path, count: int) -> tuple[Memory, Memory]:
    note(f"seeding the demo shop and {count:,} widget visitors …")
    tokens = await _visitor_tokens(database_url(work), count)
    env = server_env(work, KEFU_WORKER_ENABLED="false")
    note(f"Kefu server (uvicorn, SQLite), {count:,} idle visitor sockets …")
    async with Server("kefu.app:create_app", env) as server:
        ours = await _hold(server, tokens)
    note(f"  {ours.loaded_mib:,.0f} MiB ({ours.kib_per_connection:.1f} KiB per connection)")
    note("baseline: bare Starlette WebSocket relay, same sockets …")
    async with Server("kefu.bench.relay:create_app", {}) as server:
        relay = await _hold(server, tokens)
    note(f"  {relay.loaded_mib:,.0f} MiB ({relay.kib_per_connection:.1f} KiB per connection)")
    return ours, relay


def run(quick: bool) -> BenchResult:
    count = QUICK_CONNECTIONS if quick else FULL_CONNECTIONS
    ours, relay = on_fresh_database("kefu-bench-idle-", lambda work: _bench(work, count))
    return BenchResult(
        bench="idle",
        metric="server_rss_mib",
        value=round(ours.loaded_mib, 1),
        unit="MiB",
        baseline="bare Starlette WebSocket relay holding the same idle sockets; "
        "baseline_value in MiB; ratio = ours / baseline",
        baseline_value=round(relay.loaded_mib, 1),
        ratio=round(ours.loaded_mib / relay.loaded_mib, 3),
        extra={
            "connections": count,
            "target_mib": TARGET_MIB,
            "empty_server_mib": round(ours.empty_mib, 1),
            "kib_per_connection": round(ours.kib_per_connection, 1),
            "baseline_kib_per_connection": round(relay.kib_per_connection, 1),
        },
    )
