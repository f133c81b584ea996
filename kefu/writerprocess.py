"""SQLite's writer in a process of its own: the group commit's batches of chat messages
are committed there, beside the server instead of under its interpreter lock.

Why: profiled at full load (``kefu bench chat``), the writer thread held the server's
interpreter lock about three quarters of the time. The event loop, which receives,
acknowledges and delivers every message, had the rest of one core, and each time it
wanted the lock back it could wait a whole switch interval (5 ms). In a process of its
own the writer has a core, and the loop has the server's.

The link is a Unix socket pair, and the server's end lives on its event loop (no thread
in between: a thread of the server would wait for the interpreter lock too). The loop
sends the units queued in each of its turns as one pickled frame. The process takes every
frame that has arrived (until it holds 64 units or more), commits them in one transaction and
answers with each unit's outcome and what the transaction told its bus (the replay-log
rows for the live feeds, the events, queued jobs); the loop tells its own bus the same,
in the same order, before the callers hear back. The process never waits for the server
between batches: the next units are already in its socket.

The process is spawned (a fresh interpreter: a fork of the server would copy whatever
locks its threads hold, and a fork server would hold one more interpreter's worth of
memory for good). It starts in a second or two, before the server takes connections, and
holds about 60 MiB. It ends when the server closes the link (after the last batch) or
dies (end of file). One that dies itself (killed, out of memory) fails the
callers of the batch it had: their messages may or may not be stored, and a chat client
sends again with the same ``client_id``, which stores a message at most once. The next
batch starts a new process. Rows committed just before such a death reach the live feeds
with the shop's next commit, which finds the feed behind and reads the log."""

from __future__ import annotations

import asyncio
import collections
import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from kefu.batches import InThisProcess, Outcome, Unit, settle
from kefu.errors import DomainError, ServiceUnavailable
from kefu.eventbus import EventBus, RecordingBus, Told
from kefu.lib.heap import settle_heap
from kefu.logs import configure_logging
from kefu.metrics import GROUP_COMMIT_BATCH
from kefu.quality.classifier import default_model as quality_model
from kefu.settings import Settings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0
_SIZE = struct.Struct("!i")  # a frame's length, as multiprocessing's Connection writes it
READY = b"ready"


class WriterLink:
    """The server's end of the link, on the event loop: starts the writer process (at
    ``start``, or at the first unit; again after one died), sends it units, settles
    their callers with its answers."""

    def __init__(
        self, sqlite_url: str, bus: EventBus | None, settings: Settings, max_batch: int
    ) -> None:
        self._start_args = (sqlite_url, (settings.log_level, settings.log_format), max_batch)
        self._bus = bus
        self._process: BaseProcess | None = None
        self._socket: asyncio.StreamWriter | None = None
        self._reading: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None
        self._unsent: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._sent: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._flush_due = False

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self) -> None:
        """Start the process now rather than at the first unit."""
        if self._socket is None:
            await self._started()
        if self._socket is None:
            raise ServiceUnavailable("the SQLite writer process did not start; see the log")

    async def run(self, unit: Unit) -> Any:
        """Commit ``unit`` in the writer process; its result once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._unsent.append((unit, future))
        if not self._flush_due:  # one frame for all the units of this turn of the loop
            self._flush_due = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._flush_due = False
        if self._socket is None:
            self._started()  # flushes once the process is ready
            return
        batch = [(unit, future) for unit, future in self._unsent if not future.done()]
        self._unsent.clear()
        if not batch:
            return
        try:
            frame = pickle.dumps([unit for unit, _future in batch], pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # our units pickle: this is a bug, not the shopper's
            log.exception("a group commit's units could not be sent to the writer process")
            for _unit, future in batch:
                future.set_exception(exc)
            return
        self._sent.extend(future for _unit, future in batch)
        self._socket.write(_SIZE.pack(len(frame)) + frame)

    def _started(self) -> asyncio.Task[None]:
        if self._starting is None or self._starting.done():
            self._starting = asyncio.create_task(self._start(), name="kefu-sqlite-writer")
        return self._starting

    async def _start(self) -> None:
        try:
            process, ours = await asyncio.to_thread(start_process, *self._start_args)
        except Exception:
            log.exception("the SQLite writer process did not start")
            failed = ServiceUnavailable("the chat cannot store messages right now; try again")
            self._fail(self._unsent_futures(), failed)
            return
        reader, self._socket = await asyncio.open_unix_connection(sock=ours)
        self._process = process
        self._reading = asyncio.create_task(self._read(reader), name="kefu-sqlite-writer-answers")
        if self._unsent:
            self._flush()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Settle the callers of each batch the process answers, in the order sent."""
        try:
            while True:
                (size,) = _SIZE.unpack(await reader.readexactly(_SIZE.size))
                outcomes, told = pickle.loads(await reader.readexactly(size))
                futures = [self._sent.popleft() for _outcome in outcomes]
                GROUP_COMMIT_BATCH.observe(len(futures))
                if self._bus is not None:
                    self._bus.retell(told)
                settle(futures, outcomes)
        except (asyncio.IncompleteReadError, OSError):
            if self._socket is not None:  # not a stop: the process ended by itself
                await self._lost()

    async def _lost(self) -> None:
        """Fail the callers whose units were sent (they may or may not be stored), forget
        the process, and start another for the units not sent yet."""
        unanswered = [future for future in self._sent if not future.done()]
        self._fail(
            unanswered, ServiceUnavailable("the message may not have been stored; send it again")
        )
        self._sent.clear()
        process = self._process
        await self._close()
        log.warning(
            "the SQLite writer process ended (exit code %s) with %d writes unanswered; "
            "the next message starts another",
            None if process is None else process.exitcode,
            len(unanswered),
        )
        if self._unsent:
            self._started()

    async def stop(self) -> None:
        """Wait for the answers to what was sent, then end the process."""
        if self._starting is not None and not self._starting.done():
            await asyncio.gather(self._starting, return_exceptions=True)
        if self._unsent and self._socket is not None:
            self._flush()
        if self._sent:
            waiting = [future for future in self._sent if not future.done()]
            await asyncio.wait(waiting, timeout=STOP_SECONDS) if waiting else None
        await self._close()
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)

    async def _close(self) -> None:
        socket_, process = self._socket, self._process
        self._socket = self._process = None
        if socket_ is not None:
            socket_.close()  # end of file for the process: it ends
        if process is not None:
            await asyncio.to_thread(_reap, process)

    def _unsent_futures(self) -> list[asyncio.Future[Any]]:
        futures = [future for _unit, future in self._unsent]
        self._unsent.clear()
        return futures

    @staticmethod
    def _fail(futures: list[asyncio.Future[Any]], error: Exception) -> None:
        for future in futures:
            if not future.done():
                future.set_exception(error)


def _reap(process: BaseProcess) -> None:
    process.join(STOP_SECONDS)
    if process.is_alive():
        process.kill()
        process.join()


def start_process(
    sqlite_url: str, logging_setup: tuple[str, str], max_batch: int
) -> tuple[BaseProcess, socket.socket]:
    """Start a writer process and wait until it has opened the database; the process
    and the server's end of its socket. Blocks: call it off the event loop."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=serve,
        args=(theirs, sqlite_url, logging_setup, max_batch),
        name="kefu-sqlite-writer",
        daemon=True,  # ended with the server, whatever happens to the socket
    )
    process.start()
    theirs.close()
    try:
        if ours.recv_bytes() != READY:
            raise RuntimeError("the SQLite writer process did not say it was ready")
    except BaseException:
        ours.close()
        _reap(process)
        raise
    end = socket.socket(fileno=os.dup(ours.fileno()))
    ours.close()
    return process, end


def serve(
    link: Connection, sqlite_url: str, logging_setup: tuple[str, str], max_batch: int
) -> None:
    """The writer process: commit the units the server sends, a batch at a time, and
    answer each batch with its outcomes and what the bus was told, until the server
    closes the link."""
    # Ctrl-C in a terminal reaches the whole process group; the server ends this process
    # by closing the link once its last batch is answered.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = _Stopping()
    signal.signal(signal.SIGTERM, stopping.asked)
    configure_logging(*logging_setup)
    bus = RecordingBus()
    write = InThisProcess(sqlite_url, bus)
    try:
        _warm_up()
        write.open()
        settle_heap()  # as the server does (kefu/lib/heap.py)
        link.send_bytes(READY)
        while True:
            try:
                units = _next_batch(link, max_batch)
            except EOFError:
                return
            stopping.busy = True
            try:
                outcomes = write(units)
            except Exception as exc:
                log.exception("a group commit of %d writes failed", len(units))
                outcomes = [(False, exc)] * len(units)
            link.send_bytes(_answer([_portable(outcome) for outcome in outcomes], bus.take()))
            stopping.busy = False
            if stopping.requested:
                return
    finally:
        write.close()


class _Stopping:
    """SIGTERM (a service manager stopping the whole group, multiprocessing at the
    server's exit): ends the process at once between batches, or after answering the
    batch under way, never in the middle of its transaction."""

    def __init__(self) -> None:
        self.busy = False
        self.requested = False

    def asked(self, _signal: int, _frame: object) -> None:
        if not self.busy:
            raise SystemExit(0)
        self.requested = True


def _warm_up() -> None:
    """Import and load what the chat's units need before the process says it is ready:
    otherwise the first batch does (measured: the first messages waited 0.5-0.8 s for
    the imports), and an agent's first reply waits for the quality model."""
    importlib.import_module("kefu.actions.messages")
    quality_model()


def _next_batch(link: Connection, max_batch: int) -> list[Unit]:
    """Wait for a frame of units, then take the frames that have arrived meanwhile, until
    the batch holds ``max_batch`` units or more."""
    units: list[Unit] = pickle.loads(link.recv_bytes())
    while len(units) < max_batch and link.poll():
        units.extend(pickle.loads(link.recv_bytes()))
    return units


def _portable(outcome: Outcome) -> Outcome:
    """An outcome the server can unpickle. A refusal (``DomainError``) goes as it is;
    any other error is logged here, with its traceback, and goes as its text (database
    errors, for one, do not unpickle)."""
    ok, value = outcome
    if ok or isinstance(value, DomainError):
        return outcome
    log.error("a write failed in the SQLite writer process", exc_info=value)
    return False, RuntimeError(f"{type(value).__name__}: {value}")


def _answer(outcomes: list[Outcome], told: Told) -> bytes:
    """The batch's answer; a result that cannot be pickled fails its batch."""
    try:
        return pickle.dumps((outcomes, told), pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        log.exception("the answer to a group commit could not be sent")
        failed = RuntimeError(f"the writer's answer could not be sent: {exc}")
        return pickle.dumps(([(False, failed)] * len(outcomes), []))
