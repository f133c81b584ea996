"""recovery rate: a bad rating counts in the denominator only outside a complaint — the
RATING_BAD facts already written get their value (1 outside a complaint conversation, 0
in one) and the hourly rollups their totals, so past periods read the same way as new ones

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-03 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE report_events SET value = 1 WHERE kind = 'rating_bad' "
            "AND (stage IS NULL OR stage <> 'complaint')"
        )
    )
    op.execute(
        sa.text(
            "UPDATE report_rollups SET total = count "
            "WHERE kind = 'rating_bad' AND stage <> 'complaint'"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE report_events SET value = 0 WHERE kind = 'rating_bad'"))
    op.execute(sa.text("UPDATE report_rollups SET total = 0 WHERE kind = 'rating_bad'"))
