"""proactive exceptions: the promised delivery time of an order, and the record of each
proactive rule that fired on an order or shipment (one case per rule and subject ever)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-03 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("promised_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "proactive_exceptions",
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", BIG, nullable=True),
        sa.Column("noticed", sa.Boolean(), nullable=False),
        sa.Column("created_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_proactive_exceptions_case_id_cases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_proactive_exceptions_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_exceptions")),
        sa.UniqueConstraint(
            "shop_id",
            "rule",
            "subject_id",
            name=op.f("uq_proactive_exceptions_shop_id_rule_subject_id"),
        ),
    )
    with op.batch_alter_table("proactive_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proactive_exceptions_shop_id"), ["shop_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proactive_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proactive_exceptions_shop_id"))
    op.drop_table("proactive_exceptions")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("promised_at")
