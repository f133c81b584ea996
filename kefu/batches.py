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

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from kefu.actions.base import transaction_cache
from kefu.db import make_sync_sqlite_engine
from kefu.eventbus import LoopBus, RecordingBus

log = logging.getLogger(__name__)

Unit = Callable[[Session], Any]
# In ``session.info`` of a writer's sessions: its ``KeptBetweenBatches``.
BETWEEN_BATCHES = "kefu_between_batches"
_CHECKED = "kefu_kept_checked"
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


class KeptBetweenBatches:
    """What SQLite's writer keeps from one batch to the next, by kind (its chat
    conversations, its visitors' stream names, their open invitations, each shop's newest
    replay-log id): a batch then reads only what it has not seen. The writer is SQLite's
    only writer of chat messages, and at 2,000 messages a second a batch's reads were a
    fifth of its time (``kefu bench writer``), most of them of what the batch before had
    read or written itself.

    Valid only while nothing else writes: ``PRAGMA data_version`` changes when another
    connection commits (a supervisor's assignment, an agent closing a chat, the bot, a new
    invitation), and then everything is dropped. So it is after a batch that did not
    commit (rolled back, or tried again without a unit): what it kept may hold what was
    never stored. Checked at the batch's first use, as the reads it replaces would have
    run then: a write of another connection after that point is seen by neither."""

    LIMIT = 10_000  # entries of one kind; past it, that kind starts again

    def __init__(self) -> None:
        self.version: tuple[Any, int] | None = None  # (the connection, its data_version)
        self.kinds: dict[str, dict[Any, Any]] = {}
        self.uncommitted = False  # a batch used them and has not committed yet

    def check(self, session: Session) -> None:
        """At a batch's first use: drop everything unless it is still true."""
        sqlite = session.connection().connection.dbapi_connection  # pysqlite's own
        # (a new connection counts from scratch; asked of sqlite3 itself: through
        # SQLAlchemy's result the question cost more than the reads it saves at batches
        # of one)
        version = (sqlite, sqlite.execute("PRAGMA data_version").fetchone()[0])
        if self.uncommitted or version != self.version:
            self.kinds.clear()
            self.version = version
        self.uncommitted = True

    def alone(self, session: Session) -> bool:
        """Whether no other connection has committed since the batch's check. Asked once
        the batch writes (then nobody else can): its reads ran before it began to write,
        and another connection may have committed in between."""
        sqlite = session.connection().connection.dbapi_connection
        return self.version == (sqlite, sqlite.execute("PRAGMA data_version").fetchone()[0])

    def kind(self, name: str) -> dict[Any, Any]:
        kept = self.kinds.setdefault(name, {})
        if len(kept) > self.LIMIT:
            kept.clear()
        return kept


def batch_cache(session: Session, name: str) -> dict[Any, Any]:
    """``transaction_cache``; on SQLite's writer the same dict kept from one batch to the
    next while it stays true (``KeptBetweenBatches``). For what a batch reads that only
    the writer's own batches change, each of which keeps it up to date."""
    kept: KeptBetweenBatches | None = session.info.get(BETWEEN_BATCHES)
    if kept is None:
        return transaction_cache(session, name)
    checked = transaction_cache(session, _CHECKED)
    if not checked:
        kept.check(session)
        checked[True] = True
    return kept.kind(name)


def written_alone(session: Session) -> bool:
    """For what a batch keeps of its own writes (``batch_cache``): whether it is still
    true now that the batch writes. Always in a transaction's own cache; on SQLite's
    writer, while no other connection has committed since the batch began."""
    kept: KeptBetweenBatches | None = session.info.get(BETWEEN_BATCHES)
    return kept is None or kept.alone(session)


@event.listens_for(Session, "after_commit")
def _kept_committed(session: Session) -> None:
    """What the writer kept is as stored again."""
    kept: KeptBetweenBatches | None = session.info.get(BETWEEN_BATCHES)
    if kept is not None:
        kept.uncommitted = False


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
    the writer process's); the transaction tells ``bus`` after commit."""

    def __init__(self, sqlite_url: str, bus: LoopBus | RecordingBus | None) -> None:
        self._engine = make_sync_sqlite_engine(sqlite_url)
        info: dict[str, Any] = {BETWEEN_BATCHES: KeptBetweenBatches()}  # in every session
        if bus:
            info["bus"] = bus
        self._sessions = sessionmaker(self._engine, expire_on_commit=False, info=info)

    def __call__(self, units: list[Unit]) -> list[Outcome]:
        with self._sessions() as session:
            return commit_batch(session, units)

    def open(self) -> None:
        """Connect now (the pool keeps it) rather than in the first batch."""
        with self._engine.connect():
            pass

    def close(self) -> None:
        self._engine.dispose()
