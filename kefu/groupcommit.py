"""Group commit: many small writes from many coroutines share one transaction.

A chat message is a handful of short statements, but its transaction has fixed costs: a
session, a connection from the pool, a commit. On SQLite every statement through the async
driver is also a hand-off to the driver's thread and back (measured: ~80 µs of CPU each,
more than the statement), and the database has one writer at a time anyway. So:

- Under load, units queue up while a transaction runs; the next transaction takes all of
  them. At a trickle a unit runs alone at once: nothing waits for a batch to fill.
- A unit is a plain function of a synchronous ``Session`` (``kefu.batches``). On SQLite a
  batch runs in a writer process with its own connection (``kefu.writerprocess``; or,
  with ``KEFU_SQLITE_WRITER=thread``, a writer thread): one hand-off per batch instead of
  several per statement. On PostgreSQL it runs on an async session through ``run_sync``.

Nobody hears back before the commit; events are published after it on the event loop,
as for any action."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from kefu.batches import InThisProcess, Unit, commit_batch, settle
from kefu.db import sqlite_file
from kefu.eventbus import EventBus, LoopBus
from kefu.metrics import GROUP_COMMIT_BATCH
from kefu.settings import Settings
from kefu.writerprocess import WriterLink

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 64


class GroupCommit:
    """One writer per process that runs queued units in shared transactions: on SQLite a
    process of its own (``kefu.writerprocess``), or with ``KEFU_SQLITE_WRITER=thread`` a
    thread that takes the next batch the moment it has committed one (no round trip
    through the event loop in between: measured, that hand-off left the writer idle a
    quarter of the time at 2,000 messages a second); elsewhere a task on the event loop."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        bus: EventBus | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self._sqlite_url = sqlite_file(settings.effective_database_url)
        self._bus = bus
        self._thread: WriterThread | None = None
        self._link = (
            WriterLink(self._sqlite_url, bus, settings, max_batch)
            if self._sqlite_url is not None and settings.sqlite_writer == "process"
            else None
        )
        self._queue: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Have SQLite's writer process ready before the first message (it takes a
        second or two to start)."""
        if self._link is not None:
            await self._link.start()

    @property
    def writer_pid(self) -> int | None:
        """The SQLite writer process's id while one runs (None: batches run in this
        process)."""
        return None if self._link is None else self._link.pid

    async def run(self, unit: Callable[[Session], T]) -> T:
        """Run ``unit`` in the next transaction; return its result once committed."""
        if self._link is not None:
            return await self._link.run(unit)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if self._sqlite_url is not None:
            self._writer_thread().put(unit, future)
            return await future
        self._queue.append((unit, future))
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="kefu-group-commit")
        return await future

    def _writer_thread(self) -> WriterThread:
        if self._thread is None:
            assert self._sqlite_url is not None
            loop = asyncio.get_running_loop()
            bus = LoopBus(self._bus, loop) if self._bus else None
            self._thread = WriterThread(InThisProcess(self._sqlite_url, bus), loop, self.max_batch)
        return self._thread

    async def stop(self) -> None:
        """Answer what is queued, then end the writer."""
        if self._link is not None:
            await self._link.stop()
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        if self._thread is not None:
            await asyncio.to_thread(self._thread.stop)
            self._thread = None

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
        settle([future for _unit, future in batch], outcomes)


class WriterThread:
    """SQLite's writer: a thread that commits whatever units are queued, up to
    ``max_batch`` at a time, one transaction per batch (``write``), and settles their
    callers on the event loop. One hand-off per batch, not per statement."""

    def __init__(
        self, write: InThisProcess, loop: asyncio.AbstractEventLoop, max_batch: int
    ) -> None:
        self._write = write
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
        try:
            while True:
                batch, stopping = self._next_batch()
                if batch:
                    self._commit(batch)
                if stopping:
                    return
        finally:
            self._write.close()

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
            outcomes = self._write([unit for unit, _future in batch])
        except Exception as exc:
            log.exception("a group commit of %d writes failed", len(batch))
            outcomes = [(False, exc)] * len(batch)
        try:
            futures = [future for _unit, future in batch]
            self._loop.call_soon_threadsafe(settle, futures, outcomes)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            log.warning("a group commit finished after its event loop closed")
