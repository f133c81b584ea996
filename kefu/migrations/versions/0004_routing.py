"""routing: the queue's clock on conversations, agents' last assignment, routing policies

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = kefu.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "routing_policies",
        sa.Column("overflow_team_id", ID, nullable=True),
        sa.Column("level_rules", sa.JSON(), nullable=False),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["overflow_team_id"],
            ["teams.id"],
            name=op.f("fk_routing_policies_overflow_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_routing_policies_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_policies")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_routing_policies_shop_id")),
    )
    with op.batch_alter_table("routing_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routing_policies_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_assigned_at", UTC_TIME, nullable=True))

    # Conversations already waiting have waited since they started.
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", UTC_TIME, nullable=True))
    op.execute("UPDATE conversations SET queued_at = created_at")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.alter_column("queued_at", existing_type=UTC_TIME, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("last_assigned_at")
    with op.batch_alter_table("routing_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_policies_shop_id"))
    op.drop_table("routing_policies")
