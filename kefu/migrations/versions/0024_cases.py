"""case views: case list filters saved by agents, shared with the shop by supervisors

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 21:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_views",
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_case_views_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_case_views_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_views")),
        sa.UniqueConstraint("agent_id", "name", name=op.f("uq_case_views_agent_id_name")),
    )
    with op.batch_alter_table("case_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_views_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_views_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_views_shop_id"))
        batch_op.drop_index(batch_op.f("ix_case_views_agent_id"))

    op.drop_table("case_views")
