"""agent connections (the open agent WebSockets, so presence follows them across
processes) and the replay log's pruning horizon

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_connections",
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("process", sa.String(length=100), nullable=False),
        sa.Column("opened_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agent_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_connections_agent_id"), ["agent_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agent_connections_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "stream_horizon",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pruned_through", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("stream_horizon")
    with op.batch_alter_table("agent_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_connections_shop_id"))
        batch_op.drop_index(batch_op.f("ix_agent_connections_agent_id"))
    op.drop_table("agent_connections")
