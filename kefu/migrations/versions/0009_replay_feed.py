"""replay feed: index stream events by shop and id (one live read per shop)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.create_index("ix_stream_events_shop_id_id", ["shop_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.drop_index("ix_stream_events_shop_id_id")
