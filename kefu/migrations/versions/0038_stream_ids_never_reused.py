"""the replay log's ids are never handed out twice on SQLite: AUTOINCREMENT, and the
sequence starts past the cleanup's horizon

Without it SQLite gives a new row the largest id in the table plus one: once the newest
rows are gone (the cleanup pruned them all, or the table was emptied), ids come again
that live feeds and reconnecting clients have already seen, and they skip those events.
PostgreSQL's sequences never go back, so nothing changes there.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 08:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The highest id ever seen: the log's own, or the horizon of what the cleanup deleted.
START_PAST_EVERY_ID = """
INSERT INTO sqlite_sequence (name, seq)
SELECT 'stream_events', max(
    coalesce((SELECT max(id) FROM stream_events), 0),
    coalesce((SELECT max(pruned_through) FROM stream_horizon), 0)
)
"""


def _recreate(*, autoincrement: bool) -> None:
    with op.batch_alter_table(
        "stream_events", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _recreate(autoincrement=True)
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'stream_events'")
    op.execute(START_PAST_EVERY_ID)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _recreate(autoincrement=False)
