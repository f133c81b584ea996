"""agent workspace: quick phrases, read positions, verification, first-response thresholds

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:09:38.959197
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quick_phrases",
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column(
            "folder",
            sa.Enum(
                "greeting",
                "conversation",
                "bargaining",
                "payment",
                "logistics",
                "aftersale",
                "review",
                "closing",
                name="phrasefolder",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
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
            name=op.f("fk_quick_phrases_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_quick_phrases_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quick_phrases")),
    )
    with op.batch_alter_table("quick_phrases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quick_phrases_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            "ix_quick_phrases_shop_shortcut", ["shop_id", "shortcut"], unique=False
        )

    op.create_table(
        "conversation_reads",
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "last_read_message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("read_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_conversation_reads_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_reads_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_conversation_reads_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "agent_id", name=op.f("pk_conversation_reads")),
    )
    with op.batch_alter_table("conversation_reads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_reads_shop_id"), ["shop_id"], unique=False
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verification", sa.JSON(), nullable=True))

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("response_warn_seconds", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("response_alert_seconds", sa.Integer(), server_default="180", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("response_alert_seconds")
        batch_op.drop_column("response_warn_seconds")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("verification")

    with op.batch_alter_table("conversation_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_reads_shop_id"))

    op.drop_table("conversation_reads")
    with op.batch_alter_table("quick_phrases", schema=None) as batch_op:
        batch_op.drop_index("ix_quick_phrases_shop_shortcut")
        batch_op.drop_index(batch_op.f("ix_quick_phrases_shop_id"))

    op.drop_table("quick_phrases")
