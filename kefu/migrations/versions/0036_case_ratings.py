"""case ratings: a shopper's satisfaction (1–5) with a resolved or closed case, once per
case, given in the widget or through the signed link of a progress mail (a new table: the
cases table is not altered)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHANNELS = ("widget", "email")


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("case_id", BIG, nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("agent_id", BIG, nullable=True),
        sa.Column(
            "channel",
            sa.Enum(*CHANNELS, name="ratingchannel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("rated_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG, nullable=False),
        sa.CheckConstraint(
            "rating >= 1 AND rating <= 5", name=op.f("ck_case_ratings_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_case_ratings_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_ratings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_case_ratings_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ratings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_ratings_case_id")),
    )
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_ratings_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index(
            "ix_case_ratings_shop_rated_at", ["shop_id", "rated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_case_ratings_shop_rated_at")
        batch_op.drop_index(batch_op.f("ix_case_ratings_shop_id"))
    op.drop_table("case_ratings")
