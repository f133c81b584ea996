"""the shop's reporting settings (costs), since when a conversation's shopper waits and
since when an agent's online time is uncounted

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 16:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reporting_settings", sa.JSON(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("awaiting_since", kefu.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("presence_since", kefu.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("presence_since")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("awaiting_since")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("reporting_settings")
