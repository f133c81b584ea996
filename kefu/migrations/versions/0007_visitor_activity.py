"""visitor activity: the page a visitor is on, since when, its product and the cart value

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("page_title", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("product_external_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("cart_value_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("page_since", kefu.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_visitors_shop_last_seen", ["shop_id", "last_seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("visitors", schema=None) as batch_op:
        batch_op.drop_index("ix_visitors_shop_last_seen")
        batch_op.drop_column("page_since")
        batch_op.drop_column("cart_value_cents")
        batch_op.drop_column("product_external_id")
        batch_op.drop_column("page_title")
