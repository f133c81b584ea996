"""``kefu bench chat``: shoppers and agents over real WebSockets against a real server.

A uvicorn subprocess serves Kefu on a free port with a fresh SQLite database (migrated, a
demo shop seeded through the actions). The load generator, in this process, opens one
visitor socket per shopper (each with an open conversation assigned to an agent) and one
socket per agent, sends messages from the shoppers and times each from send to its
``message.created`` event on the agent's socket. Two phases: a fixed offered rate
(latency at a realistic load) and closed-loop maximum (throughput).

Baseline, measured in the same run with the same load generator: a bare Starlette
WebSocket relay with no database (``kefu.bench.relay``) in its own uvicorn subprocess.
Targets (SQLite): ratio = ours msgs/s ÷ relay msgs/s ≥ 0.2; p99 < 20 ms at 2,000 msgs/s."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kefu.bench import BenchResult, note
from kefu.bench.chatload import Load, LoadFigures, Placement, run_phase
from kefu.bench.chatseed import Participants, seed
from kefu.errors import Invalid

SECRET = "kefu-bench-chat-secret-key-not-for-production"
T = TypeVar("T")
START_ATTEMPTS = 400  # × 0.05 s
STOP_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Shape:
    shoppers: int
    agents: int
    fixed_rate: float  # msgs/s offered in the latency phase
    seconds: float  # per phase
    window: int  # messages in flight per shopper in the max phase


FULL = Shape(shoppers=200, agents=6, fixed_rate=2000.0, seconds=5.0, window=2)
QUICK = Shape(shoppers=20, agents=2, fixed_rate=200.0, seconds=1.0, window=2)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A uvicorn subprocess; its CPU seconds are read from /proc."""

    def __init__(self, factory: str, env: dict[str, str]) -> None:
        self.factory = factory
        self.env = os.environ | env | {"PYTHONPATH": _root_path()}
        self.port = _free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> Server:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            self.factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--ws-per-message-deflate",
            "false",  # as `kefu serve` runs it
            env=self.env,
        )
        for _ in range(START_ATTEMPTS):
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.factory} did not start on {self.address}")

    async def __aexit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
            except TimeoutError:  # still busy with a backlog: nothing left to measure
                self.process.kill()
                await self.process.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server process and every process under it
        (on SQLite the writer process and its fork server), from Linux's /proc."""
        assert self.process is not None
        return sum(_cpu_seconds(stat) for stat in process_tree(self.process.pid).values())


def _stat_fields(stat: str) -> list[str]:
    """A /proc/PID/stat line's fields after the command name (which may hold spaces)."""
    return stat.rsplit(")", 1)[1].split()


def _cpu_seconds(stat: str) -> float:
    fields = _stat_fields(stat)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> dict[int, str]:
    """``root`` and its descendants, each with its /proc stat line (those that ended in
    between are left out: a gone writer process's time is lost, which would show)."""
    stats: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = (entry / "stat").read_text()
            except OSError:
                continue
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(int(_stat_fields(stat)[1]), []).append(pid)
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            tree[pid] = stats[pid]
            todo.extend(children.get(pid, []))
    return tree


def _root_path() -> str:
    """Our checkout first on the server's path, so it runs this code."""
    root = str(Path(__file__).resolve().parents[2])
    return os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)


async def measure(
    servers: list[Server], place: Placement, people: Participants, shape: Shape
) -> LoadFigures:
    """The max phase, then the fixed-rate one (last: a server slower than the offered
    rate is left with a backlog that would spoil any later phase), then the wait for every
    acknowledged message. CPU is that of all ``servers`` over the max phase."""

    def cpu_seconds() -> float:
        return sum(server.cpu_seconds() for server in servers)

    async with Load.connect(place, people) as load:
        cpu_before = cpu_seconds()
        best = await run_phase(load, seconds=shape.seconds, rate=None, window=shape.window)
        cpu = cpu_seconds() - cpu_before
        fixed = await run_phase(load, seconds=shape.seconds, rate=shape.fixed_rate, window=0)
        delivery = await load.settle()
    return LoadFigures(fixed, best, cpu, delivery)


def database_url(work: Path) -> str:
    """The bench's SQLite database in its temporary directory."""
    return f"sqlite+aiosqlite:///{work / 'kefu.db'}"


def server_env(work: Path, **extra: str) -> dict[str, str]:
    """What the Kefu server subprocess is configured with."""
    return {
        "KEFU_DATABASE_URL": database_url(work),
        "KEFU_SECRET_KEY": SECRET,
        "KEFU_DATA_DIR": str(work / "data"),
        **extra,
    }


def on_fresh_database(prefix: str, bench: Callable[[Path], Awaitable[T]]) -> T:
    """Run ``bench`` on a temporary directory holding a freshly migrated database."""
    from kefu.schema import upgrade

    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        upgrade(database_url(work))
        return asyncio.run(bench(work))


async def _bench(work: Path, shape: Shape) -> tuple[LoadFigures, LoadFigures]:
    note(f"seeding a demo shop, {shape.shoppers} shoppers and {shape.agents} agents …")
    people = await seed(
        database_url(work), SECRET, shopper_count=shape.shoppers, agent_count=shape.agents
    )
    env = server_env(
        work,
        KEFU_WIDGET_VISITOR_PER_MINUTE="100000000",
        KEFU_WIDGET_IP_PER_MINUTE="100000000",
    )
    note("Kefu server (uvicorn, SQLite) …")
    async with Server("kefu.app:create_app", env) as server:
        ours = await measure([server], Placement.one(server.address), people, shape)
    note(f"  {ours.describe()}")
    note("baseline: bare Starlette WebSocket relay, no database …")
    async with Server("kefu.bench.relay:create_app", {}) as server:
        relay = await measure([server], Placement.one(server.address), people, shape)
    note(f"  {relay.describe()}")
    return ours, relay


def run(
    quick: bool,
    processes: int = 1,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> BenchResult:
    """One process on SQLite against the bare relay; or, with ``processes`` ≥ 2, the
    scale-out run on PostgreSQL and Redis (``kefu.bench.chatscale``)."""
    if processes > 1:
        from kefu.bench import chatscale

        return chatscale.run(quick, processes, database_url, redis_url)
    if database_url or redis_url:
        raise Invalid(
            "--database-url and --redis-url go with --processes 2 or more "
            "(one process runs on its own SQLite file)",
            field="processes",
        )
    shape = QUICK if quick else FULL
    ours, relay = on_fresh_database("kefu-bench-chat-", lambda work: _bench(work, shape))
    value = ours.best.msgs_per_second
    return BenchResult(
        bench="chat",
        metric="msgs_per_second",
        value=round(value),
        unit="msgs/s",
        baseline="bare Starlette WebSocket relay without a database, same load generator; "
        "baseline_value in msgs/s; ratio = ours / baseline",
        baseline_value=round(relay.best.msgs_per_second),
        ratio=round(value / relay.best.msgs_per_second, 3),
        extra={
            "offered_rate": shape.fixed_rate,
            "p50_ms": ours.fixed.p50_ms,
            "p99_ms": ours.fixed.p99_ms,
            "max_p50_ms": ours.best.p50_ms,
            "max_p99_ms": ours.best.p99_ms,
            "undelivered_at_offered_rate": ours.fixed.undelivered,
            "lost": ours.delivery.lost,
            "duplicated": ours.delivery.duplicated,
            "msgs_per_cpu_second": round(ours.msgs_per_cpu_second),
            "baseline_msgs_per_cpu_second": round(relay.msgs_per_cpu_second),
            "shoppers": shape.shoppers,
            "agents": shape.agents,
        },
    )
