"""a settled case is due for nothing: the case list nearest due first no longer puts old
resolved cases (whose resolution was late) before the open ones

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-03 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# kefu.lib.sla.NEXT_DUE_SQL as it stands now, and as it stood before.
NEXT_DUE = (
    "coalesce(CASE WHEN (status IN ('closed', 'resolved')) THEN NULL "
    "WHEN (first_response_sla IN ('pending', 'warned')) THEN first_response_due_at "
    "ELSE resolve_due_at END, '9999-12-31 00:00:00.000000')"
)
NEXT_DUE_BEFORE = (
    "coalesce(CASE WHEN (first_response_sla IN ('pending', 'warned')) "
    "THEN first_response_due_at ELSE resolve_due_at END, '9999-12-31 00:00:00.000000')"
)


def _index(expression: str) -> None:
    op.drop_index("ix_cases_shop_due", table_name="cases")
    op.create_index("ix_cases_shop_due", "cases", ["shop_id", sa.text(expression), "id"])


def upgrade() -> None:
    _index(NEXT_DUE)


def downgrade() -> None:
    _index(NEXT_DUE_BEFORE)
