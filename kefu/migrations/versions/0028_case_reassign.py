"""case reassignment on an SLA breach: what a policy does with a breached case
(off, least_loaded, supervisor, agent) and the agent it names; cases indexed by their
conversation (an agent's chat reply settles the first response of the cases opened there)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MODES = ("off", "least_loaded", "supervisor", "agent")


def upgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reassign",
                sa.Enum(*MODES, name="reassign", native_enum=False, length=32),
                server_default="off",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("reassign_agent_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sla_policies_reassign_agent_id_agents"),
            "agents",
            ["reassign_agent_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cases_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_conversation_id"))
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sla_policies_reassign_agent_id_agents"), type_="foreignkey"
        )
        batch_op.drop_column("reassign_agent_id")
        batch_op.drop_column("reassign")
