"""script library: a customer type on quick phrases, A/B tests of shop phrases and the
uses of their variants in conversations

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 22:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)


def _id_and_shop(table: str) -> list[Any]:
    return [
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f(f"fk_{table}_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    with op.batch_alter_table("quick_phrases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "customer_type",
                sa.Enum(
                    "decisive",
                    "cold",
                    "lively",
                    "fussy",
                    name="customertype",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            )
        )

    op.create_table(
        "phrase_tests",
        sa.Column("phrase_id", BIG, nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("running", "ended", name="phraseteststatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("winner", sa.Integer(), nullable=True),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["phrase_id"],
            ["quick_phrases.id"],
            name=op.f("fk_phrase_tests_phrase_id_quick_phrases"),
            ondelete="CASCADE",
        ),
        *_id_and_shop("phrase_tests"),
    )
    with op.batch_alter_table("phrase_tests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrase_tests_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phrase_tests_phrase_id"), ["phrase_id"], unique=False)

    op.create_table(
        "phrase_uses",
        sa.Column("test_id", BIG, nullable=False),
        sa.Column("conversation_id", BIG, nullable=False),
        sa.Column("variant", sa.Integer(), nullable=False),
        sa.Column("agent_id", BIG, nullable=True),
        sa.Column("used_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["test_id"],
            ["phrase_tests.id"],
            name=op.f("fk_phrase_uses_test_id_phrase_tests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_phrase_uses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_phrase_uses_agent_id_agents"),
            ondelete="SET NULL",
        ),
        *_id_and_shop("phrase_uses"),
    )
    with op.batch_alter_table("phrase_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phrase_uses_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_phrase_uses_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            "ix_phrase_uses_test_conversation", ["test_id", "conversation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("phrase_uses")
    op.drop_table("phrase_tests")
    with op.batch_alter_table("quick_phrases", schema=None) as batch_op:
        batch_op.drop_column("customer_type")
