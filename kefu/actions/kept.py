"""What SQLite's chat writer keeps from one batch to the next (``KeptBetweenBatches``),
and ``batch_cache``: the place an action keeps what a batch read, which is the
transaction's cache everywhere else. The writer (``kefu.batches.InThisProcess``) puts a
``KeptBetweenBatches`` in its sessions' info; actions only ask for the cache."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kefu.actions.base import transaction_cache

# In ``session.info`` of a writer's sessions: its ``KeptBetweenBatches``.
BETWEEN_BATCHES = "kefu_between_batches"
_CHECKED = "kefu_kept_checked"


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
        version = _version(session)
        if self.uncommitted or version != self.version:
            self.kinds.clear()
            self.version = version
        self.uncommitted = True

    def alone(self, session: Session) -> bool:
        """Whether no other connection has committed since the batch's check. Asked once
        the batch writes (then nobody else can): its reads ran before it began to write,
        and another connection may have committed in between."""
        return self.version == _version(session)

    def kind(self, name: str) -> dict[Any, Any]:
        kept = self.kinds.setdefault(name, {})
        if len(kept) > self.LIMIT:
            kept.clear()
        return kept


def _version(session: Session) -> tuple[Any, int]:
    """The connection and its ``PRAGMA data_version`` (a new connection counts from
    scratch). Asked of pysqlite's own connection: through SQLAlchemy's result the
    question cost more than the reads it saves at batches of one."""
    sqlite = session.connection().connection.dbapi_connection
    return sqlite, sqlite.execute("PRAGMA data_version").fetchone()[0]


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
