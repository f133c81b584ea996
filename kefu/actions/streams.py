"""Writing realtime events: one replay-log row per recipient stream, in the action's
transaction, and the typed event published after commit (it rings the hub's doorbell).

Ordering: a reconnecting client asks for rows after the last id it saw, so within a shop
ids must become visible in id order. SQLite has one writer at a time, which gives that;
on PostgreSQL a transaction-scoped advisory lock per shop does. It is taken just before the
rows are written, which is just before the commit: the rows get their ids under the lock
and the commit releases it, so a transaction holds it only for that one statement and the
commit (a group commit of many messages does its other writes first, beside the other
processes' transactions of the same shop). It is also the transaction's last lock, so it
comes after any row locks (routing's agent rows) and cannot close a deadlock cycle.

The rows of a transaction are written together just before it commits, in the order the
events were emitted: one statement for a whole group commit of chat messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from kefu.actions.base import hand_over_on_commit, publish_on_commit
from kefu.actions.kept import batch_cache, written_alone
from kefu.actions.mail_out import enqueue_mail_reply
from kefu.actions.webhooks import enqueue_deliveries
from kefu.events import Event
from kefu.lib.frames import EventFrame, StoredEvents, event_frame
from kefu.models import StreamEvent
from kefu.models.base import utcnow
from kefu.plain_writes import PlainInsert
from kefu.queries.streams import NEWEST_EVENT_BEFORE

# Keeps our advisory lock keys apart from any other user of pg_advisory locks.
_LOCK_NAMESPACE = 0x6B6566 << 32
_ROWS = "kefu_stream_rows"


@event.listens_for(Session, "after_transaction_end")
def _forget_rows(session: Session, transaction: SessionTransaction) -> None:
    """Rows not written (a rollback) end with the outermost transaction."""
    if transaction.parent is None:
        session.info.pop(_ROWS, None)


@event.listens_for(Session, "before_commit")
def _write_rows(session: Session) -> None:
    """One statement for all the transaction's rows, under their shops' locks; their
    frames are handed to this process's live feeds once the transaction commits.

    The session's pending changes are flushed first: commit flushes only after this
    hook, so without it their UPDATEs would take row locks (a conversation, an agent)
    after the shop's lock, and two bot replies at once deadlocked on PostgreSQL (each
    holding a row the other wanted while waiting for the shop's lock). Flushed here, the
    shop's lock stays the transaction's last."""
    if not session.info.get(_ROWS):
        return
    session.flush()
    rows = session.info.pop(_ROWS, None)
    if rows:
        connection = session.connection()
        shops = sorted({row["shop_id"] for row in rows})
        if connection.dialect.name == "postgresql":
            for shop_id in shops:  # one order: no deadlock
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_NAMESPACE | shop_id}
                )
        ids = _insert(connection, rows)
        hand_over_on_commit(session, _stored(rows, ids, _newest_before(session, rows, ids)))


_NEWEST = "kefu_newest_events"  # shop id → the newest id of the replay rows written here


def _newest_before(session: Session, rows: list[dict[str, Any]], ids: list[int]) -> dict[int, int]:
    """Each shop's newest id before the rows just inserted (0: none), read after the
    insert: by then this transaction writes alone (SQLite) or holds the shop's lock
    (PostgreSQL). Read before it, on SQLite another connection could commit rows in
    between, and a feed told they came before ours would skip them. SQLite's writer
    knows it without asking while it is the only one writing (``batch_cache``): its own
    last row of the shop, unless another connection committed after its batch's reads
    (``written_alone``)."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for row, event_id in zip(rows, ids, strict=True):
        first.setdefault(row["shop_id"], event_id)
        last[row["shop_id"]] = event_id
    written = batch_cache(session, _NEWEST)
    if written and not written_alone(session):
        written.clear()
    connection = session.connection()
    newest = {
        shop_id: written[shop_id]
        if shop_id in written
        else connection.scalar(NEWEST_EVENT_BEFORE, {"shop": shop_id, "before": before}) or 0
        for shop_id, before in first.items()
    }
    written.update(last)
    return newest


_TABLE = StreamEvent.__table__

# On SQLite: one plain multi-row statement. Through SQLAlchemy's insert the same rows spent
# most of their time in its per-row bookkeeping: at a group commit of 128 chat messages
# the replay rows took a fifth of the writer's time.
_SQLITE_INSERT = PlainInsert(
    _TABLE, ("shop_id", "stream", "name", "payload", "created_at"), ("id",)
)


def _insert(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows in one statement and return their ids, in the rows' order. Ids
    grow in the order rows are inserted (SQLite's rowid is the table's largest plus one;
    PostgreSQL's sequence is drawn in the order SQLAlchemy sorts the rows by when asked),
    which is the order their events were emitted in."""
    if connection.dialect.name == "sqlite":
        return sorted(event_id for (event_id,) in _SQLITE_INSERT.execute(connection, rows))
    statement = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
    return sorted(connection.execute(statement, rows).scalars())


def _stored(
    rows: list[dict[str, Any]], ids: list[int], newest: dict[int, int]
) -> list[StoredEvents]:
    """The rows as each shop's live feed takes them: frames by stream, in id order."""
    frames: dict[int, list[tuple[str, EventFrame]]] = {shop_id: [] for shop_id in newest}
    for row, event_id in zip(rows, ids, strict=True):
        frame = event_frame(event_id, row["name"], row["payload"])
        frames[row["shop_id"]].append((row["stream"], frame))
    return [StoredEvents(shop_id, newest[shop_id], frames[shop_id]) for shop_id in newest]


async def emit(session: AsyncSession, event: Event) -> None:
    """Store ``event`` for each of its recipient streams, queue its webhook deliveries
    (and, for an agent's reply in an e-mail conversation, its mail), and publish it after
    commit."""
    await session.run_sync(emit_sync, event)


def emit_sync(session: Session, event: Event) -> None:
    """``emit`` on a synchronous session (the chat hot path)."""
    now = utcnow()
    session.info.setdefault(_ROWS, []).extend(
        {
            "shop_id": event.shop_id,
            "stream": stream,
            "name": event.name,
            "payload": event.payload,
            "created_at": now,
        }
        for stream in sorted(event.recipients)
    )
    enqueue_deliveries(session, event)
    enqueue_mail_reply(session, event)
    publish_on_commit(session, event)
