"""Periodic cleanups run by the background worker: rows and files nobody needs any more.

- webhook deliveries sent successfully more than ``KEFU_WEBHOOK_RETENTION_DAYS`` ago
  (failed and dead-lettered ones stay for an owner to inspect and replay);
- images uploaded more than ``UNUSED_UPLOAD_HOURS`` ago that no message ever showed
  (the sender closed the tab between the upload and the message): row and files;
- replay-log rows older than ``KEFU_STREAM_RETENTION_DAYS``, raising the horizon
  (``stream_horizon``) with them: a client resuming from below it is told
  ``stale_cursor`` and reloads (see kefu/realtime/ws.py);
- conversations closed longer ago than their shop keeps them
  (``conversation_retention_days``; 0 keeps them): the conversation with its messages
  and pictures (rows and files). Report facts stay, they hold nothing personal.

Every cleanup is an idempotent delete, so several workers may run them at once."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Exists, String, cast, delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.lib.images import delete_stored
from kefu.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageKind,
    Shop,
    StreamEvent,
    StreamHorizon,
    Upload,
)
from kefu.models.base import utcnow
from kefu.models.webhooks import DeliveryState, WebhookDelivery
from kefu.settings import Settings

log = logging.getLogger(__name__)
UNUSED_UPLOAD_HOURS = 24
STREAM_BATCH = 5000
CONVERSATION_BATCH = 500


@dataclass(frozen=True, slots=True)
class Cleaned:
    """How many rows each cleanup removed."""

    webhook_deliveries: int
    uploads: int
    stream_events: int
    conversations: int


async def prune_webhook_deliveries(session: AsyncSession, before: datetime) -> int:
    """Forget deliveries that succeeded before ``before``."""
    result = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.state == DeliveryState.DELIVERED,
            WebhookDelivery.delivered_at < before,
        )
    )
    return result.rowcount


def _shown_in_a_message() -> Exists:
    """An image message of the upload's conversation names the upload. The payload is
    compared as text: a shopper's payload may hold anything, and a failed cast must not
    stop the cleanup."""
    return exists().where(
        Message.conversation_id == Upload.conversation_id,
        Message.kind == MessageKind.IMAGE,
        Message.payload["upload_id"].as_string() == cast(Upload.id, String),
    )


async def prune_unused_uploads(session: AsyncSession, data_dir: Path, before: datetime) -> int:
    """Delete uploads made before ``before`` that no message uses, then their files.
    The rows go first: a crash in between leaves a file nobody can reach, never a row
    pointing at a missing file."""
    removed = list(
        await session.execute(
            delete(Upload)
            .where(Upload.created_at < before, ~_shown_in_a_message())
            .returning(Upload.shop_id, Upload.stored_name)
        )
    )
    await session.commit()
    for shop_id, stored_name in removed:
        delete_stored(data_dir, shop_id, [stored_name])
    return len(removed)


async def prune_expired_conversations(session: AsyncSession, data_dir: Path, now: datetime) -> int:
    """Delete the conversations closed before their shop's retention period, a batch at a
    time; messages and upload rows go with them (foreign keys cascade), then the files."""
    deleted = 0
    shops = await session.execute(
        select(Shop.id, Shop.conversation_retention_days).where(
            Shop.conversation_retention_days > 0
        )
    )
    for shop_id, days in shops.all():
        expired = (
            select(Conversation.id)
            .where(
                Conversation.shop_id == shop_id,
                Conversation.status == ConversationStatus.CLOSED,
                Conversation.closed_at < now - timedelta(days=days),
            )
            .limit(CONVERSATION_BATCH)
        )
        while ids := list(await session.scalars(expired)):
            files = list(
                await session.scalars(
                    select(Upload.stored_name).where(Upload.conversation_id.in_(ids))
                )
            )
            await session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
            await session.commit()
            delete_stored(data_dir, shop_id, files)
            deleted += len(ids)
    return deleted


async def _raise_horizon(session: AsyncSession, pruned_through: int) -> None:
    """Record, with the delete, that ids up to ``pruned_through`` are gone (never lowering
    it: two cleanups may run at once)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(StreamHorizon).values(id=1, pruned_through=pruned_through, updated_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={"pruned_through": stmt.excluded.pruned_through, "updated_at": utcnow()},
            where=StreamHorizon.pruned_through < stmt.excluded.pruned_through,
        )
    )


async def prune_stream_events(
    session: AsyncSession, before: datetime, batch: int = STREAM_BATCH
) -> int:
    """Delete the replay log's oldest rows, up to the first one written at ``before`` or
    later, a batch at a time (walking the primary key: ids grow with time, so no index
    on ``created_at`` is needed). The log may end up empty: its ids never come again
    (AUTOINCREMENT on SQLite, a sequence on PostgreSQL)."""
    deleted = 0
    while True:
        rows = await session.execute(
            select(StreamEvent.id, StreamEvent.created_at).order_by(StreamEvent.id).limit(batch)
        )
        upto = None
        for event_id, created_at in rows:
            if created_at >= before:
                break
            upto = event_id
        if upto is None:
            break
        result = await session.execute(delete(StreamEvent).where(StreamEvent.id <= upto))
        await _raise_horizon(session, upto)
        await session.commit()
        deleted += result.rowcount
    return deleted


async def run_cleanups(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> Cleaned:
    """Every cleanup once, each in its own transactions; returns what was removed."""
    async with sessionmaker() as session:
        deliveries = await prune_webhook_deliveries(
            session, now - timedelta(days=settings.webhook_retention_days)
        )
        await session.commit()
        uploads = await prune_unused_uploads(
            session, settings.data_dir, now - timedelta(hours=UNUSED_UPLOAD_HOURS)
        )
        events = await prune_stream_events(
            session, now - timedelta(days=settings.stream_retention_days)
        )
        conversations = await prune_expired_conversations(session, settings.data_dir, now)
    cleaned = Cleaned(deliveries, uploads, events, conversations)
    if any(asdict(cleaned).values()):
        log.info("cleaned up %s", asdict(cleaned))
    return cleaned
