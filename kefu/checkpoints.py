"""SQLite's write-ahead log checkpoints, off the chat writer's path.

In WAL mode a commit appends the pages it changed to the log, and by default the commit
that takes the log past 1,000 pages also copies them back into the database file and
waits for the disk (an automatic checkpoint). Measured on ``kefu bench chat`` at 2,000
msgs/s, SQLite's chat writer did that about 15 times a second: those batches took 5-6 ms
instead of 0.8 (two thirds of it waiting for the disk), every message in them waited,
and the p99 was 14 ms where it was 9 without them.

So the writer's connection makes no automatic checkpoint, and a thread beside it, on a
connection of its own, checkpoints what the writer's commits have added, at most every
``INTERVAL``. The checkpoint is PASSIVE: it never waits for the writer or a reader, nor
holds them up, and Python's sqlite3 lets go of the interpreter lock while it runs, so
the writer goes on committing meanwhile. The server's other connections keep the
automatic checkpoint; with the log kept short they seldom reach it."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

log = logging.getLogger(__name__)

INTERVAL = 0.1  # seconds between two checkpoints of a busy writer


class Checkpointer:
    """Checkpoints the log of ``engine``'s database in a thread, after commits."""

    def __init__(self, engine: Engine, interval: float = INTERVAL) -> None:
        self._engine = engine
        self._interval = interval
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._run, name="kefu-sqlite-checkpoints", daemon=True
            )
            self._thread.start()

    def committed(self) -> None:
        """The writer committed: its pages are in the log, to be checkpointed."""
        self._committed.set()

    def stop(self) -> None:
        """Checkpoint what is left and end the thread."""
        if self._thread is not None:
            self._stopping.set()
            self._committed.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        try:
            connection = self._engine.raw_connection()
        except Exception:  # then only the other connections' automatic checkpoints remain
            log.exception("the checkpointer of SQLite's write-ahead log could not connect")
            return
        try:
            while not self._stopping.is_set():
                self._committed.wait()
                self._stopping.wait(self._interval)  # the commits of the next moment too
                self._committed.clear()
                _checkpoint(connection)
        finally:
            connection.close()


def _checkpoint(connection: PoolProxiedConnection) -> None:
    """One PASSIVE checkpoint; a failure is logged and the next one tries again (until
    then the log grows, and the other connections' automatic checkpoints remain)."""
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:
        log.exception("a checkpoint of SQLite's write-ahead log failed")
