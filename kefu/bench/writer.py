"""``kefu bench writer``: what a chat message costs SQLite's writer, apart from the sockets.

This is the cost that bounds ``kefu bench chat`` on SQLite. The chat bench's shop and
shoppers (``kefu.bench.chatseed``) on a fresh SQLite file; the shoppers' messages are
committed in batches of n (1, 4, 16, 64) as the writer process commits them
(``kefu.batches.InThisProcess``: the same units, checks, events and replay-log rows), in
this process with nothing else running. A straight line through the mean batch times
gives the cost of a batch, ``per_batch_ms`` (a), and of each message in it,
``per_message_ms`` (b).

Why it matters: at r messages a second, a writer whose batch of n takes a + b·n settles
at batches of n = r·a / (1 − r·b) (each batch holds what arrived during the one before),
so batches and latency grow without bound as r·b nears 1. ``load_at_2000`` = 2,000 × b is
that product at the chat bench's offered rate.

Baseline, in the same run on a copy of the database taken before: the very rows our run
wrote (its messages, their replay-log rows, their conversations' clocks) written again with
bare ``sqlite3``, one transaction per batch of the same sizes: the database's own floor.
``value`` = our messages a second at batches of 16; ``ratio`` = ours ÷ the floor's."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kefu.access import Actor
from kefu.actions.messages import MessageToSend
from kefu.batches import InThisProcess
from kefu.bench import BenchResult, note
from kefu.bench.chat import SECRET, database_url, on_fresh_database
from kefu.bench.chatload import QUESTIONS
from kefu.bench.chatseed import Participants, seed
from kefu.db import make_engine, make_sessionmaker
from kefu.eventbus import RecordingBus
from kefu.lib import jsontext
from kefu.queries.auth import visitor_actor


@dataclass(frozen=True, slots=True)
class Shape:
    shoppers: int
    agents: int
    sizes: tuple[int, ...]  # messages per batch
    messages: int  # per size
    warm_up: int  # messages before the first timed batch


FULL = Shape(shoppers=200, agents=6, sizes=(1, 4, 16, 64), messages=4000, warm_up=400)
QUICK = Shape(shoppers=20, agents=2, sizes=(1, 4, 16), messages=160, warm_up=40)
VALUE_SIZE = 16  # the batch size ``value`` is taken at
OFFERED_RATE = 2000.0  # msgs/s, as ``kefu bench chat`` offers


@dataclass(frozen=True, slots=True)
class Line:
    """Mean seconds per batch of each size, and the straight line a + b·n through them."""

    means: dict[int, float]

    @property
    def per_message(self) -> float:
        sizes = list(self.means)
        n_mean = sum(sizes) / len(sizes)
        t_mean = sum(self.means.values()) / len(sizes)
        spread = sum((n - n_mean) ** 2 for n in sizes)
        return sum((n - n_mean) * (t - t_mean) for n, t in self.means.items()) / spread

    @property
    def per_batch(self) -> float:
        sizes = list(self.means)
        return sum(self.means.values()) / len(sizes) - self.per_message * sum(sizes) / len(sizes)

    def msgs_per_second(self, size: int) -> float:
        return size / self.means[size]


def _line(batch: Callable[[int], Callable[[], object]], shape: Shape) -> Line:
    """Warm up with single messages, then time ``shape.messages`` in batches of each size."""
    _timed(batch(1) for _ in range(shape.warm_up))
    return Line({n: _timed(batch(n) for _ in range(shape.messages // n)) for n in shape.sizes})


def _timed(batches: Iterator[Callable[[], object]]) -> float:
    """Mean seconds of the batches."""
    times = []
    for write in batches:
        start = time.perf_counter()
        write()
        times.append(time.perf_counter() - start)
    return sum(times) / len(times)


async def _actors(url: str, people: Participants) -> list[tuple[Actor, int]]:
    """Each shopper as the chat socket knows them, with their conversation."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return [
                (await visitor_actor(session, SECRET, shopper.token), shopper.conversation_id)
                for shopper in people.shoppers
            ]
    finally:
        await engine.dispose()


class Ours:
    """The chat's units committed by the writer process's own code."""

    def __init__(self, url: str, shoppers: list[tuple[Actor, int]]) -> None:
        self.bus = RecordingBus()
        self.writer = InThisProcess(url, self.bus)
        self.shoppers = shoppers
        self.sent = 0

    def batch(self, size: int) -> Callable[[], object]:
        units = []
        for _ in range(size):
            actor, conversation_id = self.shoppers[self.sent % len(self.shoppers)]
            self.sent += 1
            body = f"{QUESTIONS[self.sent % len(QUESTIONS)]}（{self.sent}）"
            units.append(MessageToSend(actor, conversation_id, body, uuid.uuid4()))

        def write() -> None:
            outcomes = self.writer(units)
            self.bus.take()  # the server's side of the link, as the writer process answers
            if not all(ok for ok, _value in outcomes):
                raise RuntimeError(f"the writer refused a bench message: {outcomes}")

        return write

    def run(self, shape: Shape) -> Line:
        self.writer.open()
        try:
            return _line(self.batch, shape)
        finally:
            self.writer.close()


_MESSAGE_COLUMNS = (
    "conversation_id, sender_kind, sender_id, kind, body, payload, client_id, created_at, "
    "shop_id, findings"
)
_EVENT_COLUMNS = "shop_id, stream, name, payload, created_at"
_CONVERSATION = _MESSAGE_COLUMNS.split(", ").index("conversation_id")
_CREATED_AT = _MESSAGE_COLUMNS.split(", ").index("created_at")
_EVENT_PAYLOAD = _EVENT_COLUMNS.split(", ").index("payload")


class Floor:
    """Our run's rows written again with bare ``sqlite3`` on the database as it was."""

    def __init__(self, path: Path, written: Path, after_id: int) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.rows = iter(_written(written, after_id))

    def batch(self, size: int) -> Callable[[], object]:
        rows = [next(self.rows) for _ in range(size)]
        messages = [message for message, _events in rows]
        events = [event for _message, message_events in rows for event in message_events]
        clocks = [(m[_CREATED_AT],) * 3 + (m[_CONVERSATION],) for m in messages]

        def write() -> None:
            db = self.connection
            db.execute("BEGIN")
            db.execute(_insert("messages", _MESSAGE_COLUMNS, len(messages)), _flat(messages))
            db.execute(_insert("stream_events", _EVENT_COLUMNS, len(events)), _flat(events))
            db.executemany(
                "UPDATE conversations SET last_message_at = ?, awaiting_since = ?, "
                "updated_at = ? WHERE id = ?",
                clocks,
            )
            db.execute("COMMIT")

        return write

    def run(self, shape: Shape) -> Line:
        try:
            return _line(self.batch, shape)
        finally:
            self.connection.close()


def _written(path: Path, after_id: int) -> list[tuple[tuple, list[tuple]]]:
    """The messages our run stored after ``after_id``, in order, each with its replay-log
    rows (the ``message.created`` rows naming it)."""
    with sqlite3.connect(path) as db:
        messages = db.execute(
            f"SELECT id, {_MESSAGE_COLUMNS} FROM messages WHERE id > ? ORDER BY id", (after_id,)
        ).fetchall()
        events: dict[int, list[tuple]] = {}
        for row in db.execute(
            f"SELECT {_EVENT_COLUMNS} FROM stream_events WHERE name = 'message.created' ORDER BY id"
        ):
            message_id = jsontext.loads(row[_EVENT_PAYLOAD])["message"]["id"]
            events.setdefault(message_id, []).append(row)
    return [(tuple(message[1:]), events.get(message[0], [])) for message in messages]


def _insert(table: str, columns: str, count: int) -> str:
    row = "(" + ", ".join("?" * len(columns.split(", "))) + ")"
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * count)}"


def _flat(rows: Sequence[tuple]) -> tuple:
    return tuple(value for row in rows for value in row)


def _last_message_id(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]


async def _measure(work: Path, shape: Shape) -> tuple[Line, Line]:
    note(f"seeding a demo shop, {shape.shoppers} shoppers and {shape.agents} agents …")
    url = database_url(work)
    people = await seed(url, SECRET, shopper_count=shape.shoppers, agent_count=shape.agents)
    shoppers = await _actors(url, people)
    ours_file, floor_file = work / "kefu.db", work / "floor.db"
    with sqlite3.connect(ours_file) as source, sqlite3.connect(floor_file) as copy:
        source.backup(copy)
    seeded = _last_message_id(ours_file)
    note(f"our writer: batches of {', '.join(map(str, shape.sizes))} chat messages …")
    ours = Ours(url, shoppers).run(shape)
    note("baseline: the same rows with bare sqlite3 …")
    floor = Floor(floor_file, ours_file, seeded).run(shape)
    return ours, floor


def run(quick: bool) -> BenchResult:
    shape = QUICK if quick else FULL
    ours, floor = on_fresh_database("kefu-bench-writer-", lambda work: _measure(work, shape))
    for name, line in (("ours", ours), ("floor", floor)):
        means = ", ".join(f"{n}: {seconds * 1000:.2f}" for n, seconds in line.means.items())
        note(
            f"  {name}: ms per batch by size {{{means}}}; a = {line.per_batch * 1000:.3f} ms "
            f"a batch, b = {line.per_message * 1000:.3f} ms a message"
        )
    value = ours.msgs_per_second(VALUE_SIZE)
    floor_value = floor.msgs_per_second(VALUE_SIZE)
    return BenchResult(
        bench="writer",
        metric="msgs_per_second",
        value=round(value),
        unit="msgs/s",
        baseline=f"the same rows written with bare sqlite3 in batches of {VALUE_SIZE} "
        "(the database's floor); baseline_value in msgs/s; ratio = ours / baseline",
        baseline_value=round(floor_value),
        ratio=round(value / floor_value, 3),
        extra={
            "per_batch_ms": round(ours.per_batch * 1000, 3),
            "per_message_ms": round(ours.per_message * 1000, 3),
            "load_at_2000": round(OFFERED_RATE * ours.per_message, 3),
            "floor_per_batch_ms": round(floor.per_batch * 1000, 3),
            "floor_per_message_ms": round(floor.per_message * 1000, 3),
            **{f"batch_{n}_ms": round(s * 1000, 3) for n, s in ours.means.items()},
            "shoppers": shape.shoppers,
        },
    )
