"""an index on a case's next due instant, for the case list nearest due first
(``kefu bench cases``: 100,000 cases)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEXT_DUE = (
    "coalesce(CASE WHEN (first_response_sla IN ('pending', 'warned')) "
    "THEN first_response_due_at ELSE resolve_due_at END, '9999-12-31 00:00:00.000000')"
)


def upgrade() -> None:
    # kefu.lib.sla.NEXT_DUE_SQL as it stood: the list's order by it reads this index.
    op.create_index("ix_cases_shop_due", "cases", ["shop_id", sa.text(NEXT_DUE), "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_shop_due", table_name="cases")
