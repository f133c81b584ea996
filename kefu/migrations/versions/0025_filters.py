"""report filters: stage, intent and customer segment on facts, rollups and conversations

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 21:50:00.000000

Rollups gain the three dimensions in their key; the rows already folded keep "" (unknown)
for them, as do the facts recorded before: nothing is back-filled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = ["shop_id", "hour", "kind", "agent_id", "team_id", "channel"]
NEW_COLUMNS = (("stage", 16), ("intent", 48), ("segment", 16))


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("segment", sa.String(length=16), nullable=True))
    with op.batch_alter_table("report_events", schema=None) as batch_op:
        for name, length in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table("report_rollups", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint("pk_report_rollups", type_="primary")
        for name, length in NEW_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        batch_op.create_primary_key(
            "pk_report_rollups", [*OLD_KEY, *(name for name, _ in NEW_COLUMNS)]
        )


def downgrade() -> None:
    # Rows that differ only in the dropped dimensions are summed back into one.
    keys = ", ".join(OLD_KEY)
    op.execute(
        f"CREATE TABLE report_rollups_old AS SELECT {keys}, SUM(count) AS count, "
        f"SUM(total) AS total FROM report_rollups GROUP BY {keys}"
    )
    op.execute("DELETE FROM report_rollups")
    with op.batch_alter_table("report_rollups", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint("pk_report_rollups", type_="primary")
        for name, _ in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
        batch_op.create_primary_key("pk_report_rollups", OLD_KEY)
    op.execute(
        f"INSERT INTO report_rollups ({keys}, count, total) "
        f"SELECT {keys}, count, total FROM report_rollups_old"
    )
    op.drop_table("report_rollups_old")
    with op.batch_alter_table("report_events", schema=None) as batch_op:
        for name, _ in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("segment")
        batch_op.drop_column("intent")
