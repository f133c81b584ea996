"""What every action shares: events published after commit, and the audit trail."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import event, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from kefu.access import Actor, Permission
from kefu.events import Event
from kefu.lib.frames import StoredEvents
from kefu.models import AuditEntry
from kefu.queries.access import fetch_owned

_PENDING = "kefu_pending_events"
_STORED = "kefu_stored_events"
_JOBS_QUEUED = "kefu_jobs_queued"
_CACHES = "kefu_transaction_caches"
SECRET_FIELDS = frozenset(
    {
        "password_hash",
        "key_hash",
        "token_hash",
        "widget_secret",
        "secret",
        "imap_password",
        "smtp_password",
    }
)


def publish_on_commit(session: AsyncSession | Session, evt: Event) -> None:
    """Queue ``evt`` to be published when (and only if) the transaction commits."""
    session.info.setdefault(_PENDING, []).append(evt)


def hand_over_on_commit(session: Session, stored: list[StoredEvents]) -> None:
    """Hand the transaction's replay-log rows to this process's live feeds when (and only
    if) it commits, before its events are published."""
    session.info.setdefault(_STORED, []).extend(stored)


def wake_jobs_on_commit(session: AsyncSession | Session) -> None:
    """Tell the job worker after commit that this transaction queued jobs (and only
    then: waking it after every message would cost a round of job queries each)."""
    session.info[_JOBS_QUEUED] = True


@event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    pending: list[Event] = session.info.pop(_PENDING, [])
    stored: list[StoredEvents] = session.info.pop(_STORED, [])
    jobs_queued = session.info.pop(_JOBS_QUEUED, False)
    bus = session.info.get("bus")
    if bus is None:
        return
    if stored:
        bus.stored(stored)
    bus.publish_all(pending)
    if jobs_queued:
        bus.jobs_queued()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_STORED, None)
    session.info.pop(_JOBS_QUEUED, None)


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction: where a batch of
    writes (a group commit) keeps what it read once for all of them."""
    return session.info.setdefault(_CACHES, {}).setdefault(name, {})


@event.listens_for(Session, "after_transaction_end")
def _forget_caches(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHES, None)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of a row for the audit log, secrets left out."""
    mapper = inspect(obj).mapper
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRET_FIELDS
    }


def record_audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row in the same transaction as the write it describes."""
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    session.add(
        AuditEntry(
            shop_id=actor.shop_id,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
        )
    )


async def lock_row(session: AsyncSession, model: type[Any], row_id: int) -> None:
    """Hold one row until this transaction ends, so that writers of it take turns and each
    reads what the one before wrote: SELECT … FOR UPDATE on PostgreSQL; on SQLite a write
    to the row, which takes the database's single write lock before anything is read
    (the driver opens the transaction at the first write, so earlier reads hold nothing)."""
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
    else:
        await session.execute(
            text(f'UPDATE "{table.name}" SET id = id WHERE id = :id'), {"id": row_id}
        )


async def delete_owned(
    session: AsyncSession,
    actor: Actor,
    model: type[Any],
    row_id: int,
    entity: str,
    *,
    permission: Permission,
    what: str | None = None,
) -> None:
    """Delete one row of the actor's shop (404 for any other) and audit it as
    ``<entity>.delete`` with the row as it was."""
    row = await fetch_owned(session, actor, model, row_id, what or entity, permission=permission)
    before = snapshot(row)
    await session.delete(row)
    await session.flush()
    record_audit(session, actor, f"{entity}.delete", entity, row_id, before=before)
