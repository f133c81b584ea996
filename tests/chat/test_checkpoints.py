"""SQLite's chat writer leaves its write-ahead log to a checkpointer thread
(``kefu.checkpoints``): its commits never stop to copy the log into the database file,
and the file gets them all the same, the log staying short."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine

from kefu.checkpoints import Checkpointer
from kefu.db import make_sync_sqlite_engine

REPLY = "亲，您的订单已经发货了，快递单号SF1234567890，请注意查收哦～" * 40  # ~3.6 KB
ROWS = 50  # per transaction: ~45 pages of the log
WAIT_SECONDS = 10.0


def _engine(path: Path, *, auto_checkpoint: bool) -> Engine:
    return make_sync_sqlite_engine(f"sqlite:///{path}", auto_checkpoint=auto_checkpoint)


def _commit_replies(engine: Engine, transactions: int, committed=lambda: None) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS replies (body TEXT)")
        connection.commit()
        for _ in range(transactions):
            connection.exec_driver_sql("INSERT INTO replies (body) VALUES (?)", [(REPLY,)] * ROWS)
            connection.commit()
            committed()


def _in_database_file(path: Path) -> int:
    """The replies the database file itself holds, the log aside."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as db:
        try:
            return db.execute("SELECT count(*) FROM replies").fetchone()[0]
        except sqlite3.OperationalError:  # not even the table has reached the file
            return 0


def _log_bytes(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


def _until_in_file(path: Path, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while _in_database_file(path) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _in_database_file(path) == count


def test_the_writers_commits_make_no_checkpoint_of_their_own(tmp_path):
    """60 transactions (~2,700 pages): an ordinary connection checkpoints at 1,000 pages;
    the writer's leaves everything in the log."""
    in_file = {}
    for auto in (True, False):
        path = tmp_path / f"{auto}.db"
        engine = _engine(path, auto_checkpoint=auto)
        _commit_replies(engine, 60)  # its connection stays open, in the pool
        in_file[auto] = _in_database_file(path)
        engine.dispose()  # the last connection to close checkpoints
    assert in_file[True] > 0
    assert in_file[False] == 0


def test_the_checkpointer_moves_the_commits_into_the_database_file(tmp_path):
    path = tmp_path / "kefu.db"
    engine = _engine(path, auto_checkpoint=False)
    checkpoints = Checkpointer(engine, interval=0.01)
    checkpoints.start()
    try:
        for written in range(1, 7):
            _commit_replies(engine, 10, checkpoints.committed)
            _until_in_file(path, written * 10 * ROWS)
        # Each complete checkpoint lets the next commit write the log from its start
        # again: it holds a few transactions, not all sixty.
        assert _log_bytes(path) < 20 * ROWS * len(REPLY.encode())
    finally:
        checkpoints.stop()
        engine.dispose()


def test_stopping_checkpoints_what_is_left(tmp_path):
    path = tmp_path / "kefu.db"
    engine = _engine(path, auto_checkpoint=False)
    checkpoints = Checkpointer(engine, interval=3600)  # no checkpoint until the stop
    checkpoints.start()
    _commit_replies(engine, 3, checkpoints.committed)
    assert _in_database_file(path) == 0
    checkpoints.stop()
    assert _in_database_file(path) == 3 * ROWS
    engine.dispose()


def test_a_checkpointer_that_cannot_connect_says_so_and_stops_cleanly(tmp_path, caplog):
    engine = _engine(tmp_path / "missing" / "kefu.db", auto_checkpoint=False)
    checkpoints = Checkpointer(engine, interval=0.01)
    checkpoints.start()
    checkpoints.committed()
    checkpoints.stop()  # returns: nothing waits for a thread that ended
    engine.dispose()
    assert "could not connect" in caplog.text
