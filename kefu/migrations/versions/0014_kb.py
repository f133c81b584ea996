"""knowledge base (FAQ entries and their versions), the shop's bot settings and the bot's
state on each conversation

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)


def _shop_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["shop_id"], ["shops.id"], name=op.f(f"fk_{table}_shop_id_shops"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("similar", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("valid_from", WHEN, nullable=True),
        sa.Column("valid_until", WHEN, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _shop_fk("faq_entries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index("ix_faq_entries_shop_question", ["shop_id", "question"])
        batch_op.create_index(batch_op.f("ix_faq_entries_shop_id"), ["shop_id"])
    op.create_table(
        "faq_versions",
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_versions_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        _shop_fk("faq_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_versions")),
        sa.UniqueConstraint("entry_id", "version", name=op.f("uq_faq_versions_entry_id_version")),
    )
    with op.batch_alter_table("faq_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_versions_shop_id"), ["shop_id"])
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bot_settings", sa.JSON(), server_default="{}", nullable=False)
        )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("bot_answers", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("bot_misses", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("bot_handoff", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("bot_handoff_at", WHEN, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("bot_handoff_at")
        batch_op.drop_column("bot_handoff")
        batch_op.drop_column("bot_misses")
        batch_op.drop_column("bot_answers")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("bot_settings")
    op.drop_table("faq_versions")
    op.drop_table("faq_entries")
