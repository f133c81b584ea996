"""A batch: many units of work in one transaction, the group commit's (see
``kefu.groupcommit``) and the SQLite writer process's (``kefu.writerprocess``).

A unit is a plain function of a synchronous ``Session`` (the domain code has synchronous
cores for this, e.g. ``kefu.actions.messages.send_message``). Units of one batch run one
after the other in one transaction and must not commit. When one fails, the transaction
is rolled back, that unit's caller gets the error, and the others run again in a fresh
transaction (a chat message is keyed by its ``client_id``, so doing it again is safe)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from kefu.actions.kept import BETWEEN_BATCHES, KeptBetweenBatches
from kefu.checkpoints import Checkpointer
from kefu.db import make_sync_sqlite_engine
from kefu.eventbus import LoopBus, RecordingBus

log = logging.getLogger(__name__)

Unit = Callable[[Session], Any]
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


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
            _finish([units[index] for index in pending], session)
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


def _finish(units: list[Unit], session: Session) -> None:
    """Before the commit, what units of a type write for the whole batch (a
    ``finish_batch`` of their type: e.g. the chat messages' conversations, in one
    statement); what they leave is written by the commit's flush."""
    for kind in dict.fromkeys(type(unit) for unit in units):
        if hasattr(kind, "finish_batch"):
            kind.finish_batch(session)


def settle(futures: list[asyncio.Future[Any]], outcomes: list[Outcome]) -> None:
    """Tell each waiting caller how its unit went (on the event loop's thread)."""
    for future, (ok, value) in zip(futures, outcomes, strict=True):
        if future.done():  # its caller went away (a closed socket)
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


class InThisProcess:
    """Batches committed on a connection of this thread's own (the writer thread's, or
    the writer process's); the transaction tells ``bus`` after commit.

    Each batch's session is bound to the one connection, held from ``open`` to ``close``:
    taking it from the pool and giving it back (with the pool's rollback on return) cost
    every batch about a tenth of a small batch's time."""

    def __init__(self, sqlite_url: str, bus: LoopBus | RecordingBus | None) -> None:
        self._engine = make_sync_sqlite_engine(sqlite_url, auto_checkpoint=False)
        self._checkpoints = Checkpointer(self._engine)
        self._info: dict[str, Any] = {BETWEEN_BATCHES: KeptBetweenBatches()}  # every session
        if bus:
            self._info["bus"] = bus
        self._connection: Connection | None = None

    def __call__(self, units: list[Unit]) -> list[Outcome]:
        if self._connection is None:
            self.open()
        try:
            with Session(self._connection, expire_on_commit=False, info=self._info) as session:
                return commit_batch(session, units)
        finally:
            self._checkpoints.committed()

    def open(self) -> None:
        """Connect now rather than in the first batch."""
        self._connection = self._engine.connect()
        self._checkpoints.start()

    def close(self) -> None:
        self._checkpoints.stop()
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._engine.dispose()
