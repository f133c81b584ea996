"""messages and stream_events lose their index of shop_id alone: another index of each
leads with it (the unique (shop_id, client_id); (shop_id, id)), so it served no query
the other does not, and it cost every chat message and every replay-log row a write

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 17:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("messages", "stream_events")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_shop_id", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_shop_id", table, ["shop_id"])
