"""SQLite's chat writer's plain writes (kefu/plain_writes.py) store what the ORM would:
the changed columns and the ``updated_at`` stamp, times as SQLAlchemy's own text."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from kefu.db import make_sync_sqlite_engine
from kefu.models import Conversation, ConversationStatus
from kefu.plain_writes import write_changes

pytestmark = pytest.mark.usefixtures("personas")


@pytest.fixture
def sqlite_engine(settings):
    if not settings.effective_database_url.startswith("sqlite"):
        pytest.skip("the plain writes are SQLite's writer's")
    engine = make_sync_sqlite_engine(settings.effective_database_url)
    yield engine
    engine.dispose()


async def test_only_the_changed_columns_are_written_and_updated_at_is_stamped(
    sqlite_engine, sessionmaker, shopper
):
    """A conversation set to the status it was read with is not written back: an agent
    who closed it meanwhile (another connection) keeps it closed."""
    with Session(sqlite_engine, expire_on_commit=False) as session:
        conversation = session.get_one(Conversation, shopper.conversation_id)
        stamped_before = conversation.updated_at
        async with sessionmaker() as other:
            closing = update(Conversation).where(Conversation.id == shopper.conversation_id)
            await other.execute(closing.values(status=ConversationStatus.CLOSED))
            await other.commit()
        said_at = datetime(2026, 12, 4, 9, 30, 15, tzinfo=UTC)
        conversation.status = ConversationStatus.OPEN  # as read: unchanged
        conversation.last_message_at = said_at
        write_changes(session, [conversation])
        assert conversation not in session.dirty
        session.commit()
    async with sessionmaker() as session:
        stored = await session.get_one(Conversation, shopper.conversation_id)
        assert stored.status is ConversationStatus.CLOSED
        assert stored.last_message_at == said_at
        assert stored.updated_at == conversation.updated_at > stamped_before
        raw = await session.scalar(
            text("SELECT last_message_at FROM conversations WHERE id = :id"),
            {"id": shopper.conversation_id},
        )
    assert raw == "2026-12-04 09:30:15.000000"  # SQLAlchemy's DATETIME text, sortable


async def test_a_time_in_another_zone_is_stored_as_utc_text(sqlite_engine, shopper):
    """A shop in Beijing writes 09:30 local: stored as the UTC text every other row has."""
    local = datetime(2026, 12, 5, 9, 30, 15, 120, tzinfo=ZoneInfo("Asia/Shanghai"))
    with Session(sqlite_engine) as session:
        conversation = session.get_one(Conversation, shopper.conversation_id)
        conversation.last_message_at = local
        write_changes(session, [conversation])
        session.commit()
        raw = session.scalar(
            text("SELECT last_message_at FROM conversations WHERE id = :id"),
            {"id": shopper.conversation_id},
        )
    assert raw == "2026-12-05 01:30:15.000120"
