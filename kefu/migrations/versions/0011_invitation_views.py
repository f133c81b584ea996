"""invitation counts (one row per rule met per page view) and the visitor's offline-form name

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=100), nullable=True))
    op.create_table(
        "invitation_views",
        sa.Column("visitor_id", BIG_ID, nullable=False),
        sa.Column("rule_id", sa.String(length=16), nullable=False),
        sa.Column("page_since", WHEN, nullable=False),
        sa.Column("shown_at", WHEN, nullable=False),
        sa.Column("accepted_at", WHEN, nullable=True),
        sa.Column("converted_at", WHEN, nullable=True),
        sa.Column("conversation_id", BIG_ID, nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_invitation_views_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_invitation_views_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_invitation_views_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_views")),
        sa.UniqueConstraint(
            "visitor_id",
            "rule_id",
            "page_since",
            name=op.f("uq_invitation_views_visitor_id_rule_id_page_since"),
        ),
    )
    with op.batch_alter_table("invitation_views", schema=None) as batch_op:
        batch_op.create_index("ix_invitation_views_shop_shown", ["shop_id", "shown_at"])
        batch_op.create_index(batch_op.f("ix_invitation_views_shop_id"), ["shop_id"])
        batch_op.create_index(batch_op.f("ix_invitation_views_visitor_id"), ["visitor_id"])


def downgrade() -> None:
    op.drop_table("invitation_views")
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_column("contact")
        batch_op.drop_column("display_name")
