"""service recovery: a follow-up case (complaint, review follow-up) falls due and ends with
an explicit outcome (recovered / not_recovered) and a note

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-03 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOMES = ("recovered", "not_recovered")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "follow_up_due_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "outcome",
                sa.Enum(*OUTCOMES, name="outcome", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("outcome_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_cases_shop_follow_up_due", ["shop_id", "follow_up_due_at"], unique=False
        )


# 0032's index on the next due instant, as it stood: SQLite's batch mode copies the table
# without expression indexes, so the downgrade takes it off first and puts it back after.
NEXT_DUE = (
    "coalesce(CASE WHEN (first_response_sla IN ('pending', 'warned')) "
    "THEN first_response_due_at ELSE resolve_due_at END, '9999-12-31 00:00:00.000000')"
)


def downgrade() -> None:
    op.drop_index("ix_cases_shop_due", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_shop_follow_up_due")
        batch_op.drop_column("outcome_at")
        batch_op.drop_column("outcome_note")
        batch_op.drop_column("outcome")
        batch_op.drop_column("follow_up_due_at")
    op.create_index("ix_cases_shop_due", "cases", ["shop_id", sa.text(NEXT_DUE), "id"])
