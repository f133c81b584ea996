"""quality: coaching notes on scorecards, the conversation's emotion colour and its
timeline, the customers' emotional account

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 06:45:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)


def _emotion(name: str) -> sa.Column[Any]:
    return sa.Column(
        name,
        sa.Enum("green", "yellow", "red", name="emotion", native_enum=False, length=32),
        nullable=False,
    )


def _id_and_shop(table: str) -> list[Any]:
    return [
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f(f"fk_{table}_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "emotion",
                sa.Enum("green", "yellow", "red", name="emotion", native_enum=False, length=32),
                server_default="green",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("emotion_at", WHEN, nullable=True))

    op.create_table(
        "coaching_notes",
        sa.Column("scorecard_id", BIG, nullable=False),
        sa.Column("agent_id", BIG, nullable=False),
        sa.Column("author_id", BIG, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("focus", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("acknowledged_at", WHEN, nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        _fk("coaching_notes", "scorecard_id", "scorecards", "CASCADE"),
        _fk("coaching_notes", "agent_id", "agents", "CASCADE"),
        _fk("coaching_notes", "author_id", "agents", "SET NULL"),
        *_id_and_shop("coaching_notes"),
    )
    with op.batch_alter_table("coaching_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coaching_notes_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_coaching_notes_scorecard_id"), ["scorecard_id"], unique=False
        )
        batch_op.create_index(
            "ix_coaching_notes_shop_agent", ["shop_id", "agent_id", "id"], unique=False
        )

    op.create_table(
        "emotion_changes",
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("message_id", BIG, nullable=True),
        _emotion("emotion"),
        _emotion("previous"),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("emotion_changes", "conversation_id", "conversations", "CASCADE"),
        _fk("emotion_changes", "message_id", "messages", "SET NULL"),
        *_id_and_shop("emotion_changes"),
    )
    with op.batch_alter_table("emotion_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_emotion_changes_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            "ix_emotion_changes_conversation", ["conversation_id", "id"], unique=False
        )

    table = "emotional_account_entries"
    op.create_table(
        table,
        sa.Column("customer_id", BIG, nullable=True),
        sa.Column("visitor_id", BIG, nullable=True),
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("message_id", BIG, nullable=True),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk(table, "customer_id", "customers", "CASCADE"),
        _fk(table, "visitor_id", "visitors", "CASCADE"),
        _fk(table, "conversation_id", "conversations", "CASCADE"),
        _fk(table, "message_id", "messages", "SET NULL"),
        *_id_and_shop(table),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            batch_op.f(f"ix_{table}_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_emotional_account_customer", ["shop_id", "customer_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_emotional_account_visitor", ["shop_id", "visitor_id", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("emotional_account_entries")
    op.drop_table("emotion_changes")
    op.drop_table("coaching_notes")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("emotion_at")
        batch_op.drop_column("emotion")
