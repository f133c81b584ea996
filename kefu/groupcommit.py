"""Group commit: many small writes from many coroutines share one transaction.

A chat message is a handful of short statements, but its transaction has fixed costs: a
session, a connection from the pool, a commit. On SQLite every statement through the async
driver is also a hand-off to the driver's thread and back (measured: ~80 µs of CPU each,
more than the statement), and the database has one writer at a time anyway. So:

- Under load, units queue up while a transaction runs; the next transaction takes all of
  them. At a trickle a unit runs alone at once: nothing waits for a batch to fill.
- A unit is a plain function of a synchronous ``Session`` (the domain code has synchronous
  cores for this, e.g. ``kefu.actions.messages.send_message``). On SQLite a batch runs in
  one dedicated writer thread with its own connection: one hand-off per batch instead of
  several per statement. On PostgreSQL it runs on an async session through ``run_sync``.

Units of one batch run one after the other in one transaction and must not commit. When
one fails, the transaction is rolled back, that unit's caller gets the error, and the
others run again in a fresh transaction (a chat message is keyed by its ``client_id``, so
doing it again is safe). Nobody hears back before the commit; events are published after
it on the event loop, as for any action."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from kefu.eventbus import EventBus, LoopBus
from kefu.metrics import GROUP_COMMIT_BATCH

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[Session], Any]
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)
MAX_BATCH = 64


def commit_batch(session: Session, units: list[Unit]) -> list[Outcome]:
    """Run the units in one transaction and commit; a unit that raises is dropped and the
    rest run again. A failing commit raises (every unit then failed)."""
    outcomes: list[Outcome | None] = [None] * len(units)
    pending = list(range(len(units)))
    while pending:
        _run_ahead(session, [units[index] for index in pending])
        results: dict[int, Any] = {}
        failed: tuple[int, Exception] | None = None
        for index in pending:
            try:
                results[index] = units[index](session)
            except Exception as exc:
                failed = (index, exc)
                break
        if failed is None:
            session.commit()
            for index in pending:
                outcomes[index] = (True, results[index])
            break
        _roll_back(session)
        outcomes[failed[0]] = (False, failed[1])
        pending.remove(failed[0])
    return [outcome for outcome in outcomes if outcome is not None]


def _roll_back(session: Session) -> None:
    """Undo an attempt, forgetting every object it loaded or inserted: the next attempt
    inserts its rows again, and SQLite hands out the rolled-back ids once more (an object
    of the failed attempt, kept alive by the error's traceback, would then clash)."""
    session.rollback()
    session.expunge_all()


def _run_ahead(session: Session, units: list[Unit]) -> None:
    """Units that can do part of their work for a whole batch (a ``run_ahead`` of their
    type: reads, checks, one insert for all) do it once for all units of their type: one
    statement where each unit would have run its own. A unit must still work without it:
    when it fails, the work is rolled back and each unit does all of its own."""
    kinds: dict[type, list[Unit]] = {}
    for unit in units:
        if hasattr(type(unit), "run_ahead"):
            kinds.setdefault(type(unit), []).append(unit)
    try:
        for kind, group in kinds.items():
            kind.run_ahead(session, group)
    except Exception:
        log.exception("a group commit's shared work failed; each write does its own")
        _roll_back(session)


class GroupCommit:
    """One writer per process that runs queued units in shared transactions: on SQLite a
    thread of its own that takes the next batch the moment it has committed one (no
    round trip through the event loop in between: measured, that hand-off left the
    writer idle a quarter of the time at 2,000 messages a second); elsewhere a task on
    the event loop."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        sqlite_engine: Engine | None = None,
        bus: EventBus | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self._sqlite_engine = sqlite_engine
        self._bus = bus
        self._thread: WriterThread | None = None
        self._queue: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def run(self, unit: Callable[[Session], T]) -> T:
        """Run ``unit`` in the next transaction; return its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._sqlite_engine is not None:
            self._writer_thread().put(unit, future)
            return await future
        self._queue.append((unit, future))
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="kefu-group-commit")
        return await future

    def _writer_thread(self) -> WriterThread:
        if self._thread is None:
            assert self._sqlite_engine is not None
            loop = asyncio.get_running_loop()
            info = {"bus": LoopBus(self._bus, loop)} if self._bus else {}
            sessions = sessionmaker(self._sqlite_engine, expire_on_commit=False, info=info)
            self._thread = WriterThread(sessions, loop, self.max_batch)
        return self._thread

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        if self._thread is not None:
            await asyncio.to_thread(self._thread.stop)
            self._thread = None
        if self._sqlite_engine is not None:
            self._sqlite_engine.dispose()

    async def _write(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [(u, f) for u, f in self._queue[: self.max_batch] if not f.done()]
                del self._queue[: self.max_batch]
                if batch:
                    await self._commit(batch)

    async def _commit(self, batch: list[tuple[Unit, asyncio.Future[Any]]]) -> None:
        units = [unit for unit, _future in batch]
        GROUP_COMMIT_BATCH.observe(len(units))
        try:
            async with self.sessionmaker() as session:
                outcomes = await session.run_sync(commit_batch, units)
        except Exception as exc:
            log.exception("a group commit of %d writes failed", len(batch))
            outcomes = [(False, exc)] * len(batch)
        settle(batch, outcomes)


def settle(batch: list[tuple[Unit, asyncio.Future[Any]]], outcomes: list[Outcome]) -> None:
    """Tell each waiting caller how its unit went (on the event loop's thread)."""
    for (_unit, future), (ok, value) in zip(batch, outcomes, strict=True):
        if future.done():  # its caller went away (a closed socket)
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class WriterThread:
    """SQLite's writer: a thread with its own connection that runs whatever units are
    queued, up to ``max_batch`` at a time, one transaction per batch, and settles their
    callers on the event loop. One hand-off per batch, not per statement."""

    def __init__(
        self, sessions: sessionmaker[Session], loop: asyncio.AbstractEventLoop, max_batch: int
    ) -> None:
        self._sessions = sessions
        self._loop = loop
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Unit, asyncio.Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="kefu-sqlite-writer", daemon=True)
        self._thread.start()

    def put(self, unit: Unit, future: asyncio.Future[Any]) -> None:
        self._queue.put((unit, future))

    def stop(self) -> None:
        """Finish what is queued, then end the thread (blocks: call it off the loop)."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batch, stopping = self._next_batch()
            if batch:
                self._commit(batch)
            if stopping:
                return

    def _next_batch(self) -> tuple[list[tuple[Unit, asyncio.Future[Any]]], bool]:
        """Wait for one unit, then take whatever else is queued (up to the batch size);
        and whether the end was asked for."""
        batch: list[tuple[Unit, asyncio.Future[Any]]] = []
        item = self._queue.get()
        while item is not None:
            if not item[1].done():  # its caller may have gone away meanwhile
                batch.append(item)
            if len(batch) >= self._max_batch:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _commit(self, batch: list[tuple[Unit, asyncio.Future[Any]]]) -> None:
        GROUP_COMMIT_BATCH.observe(len(batch))
        try:
            with self._sessions() as session:
                outcomes = commit_batch(session, [unit for unit, _future in batch])
        except Exception as exc:
            log.exception("a group commit of %d writes failed", len(batch))
            outcomes = [(False, exc)] * len(batch)
        try:
            self._loop.call_soon_threadsafe(settle, batch, outcomes)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            log.warning("a group commit finished after its event loop closed")
