"""SLAs of after-sales cases: make-up working days, SLA policies, due times on cases

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)
TYPES = (
    "return",
    "exchange",
    "refund_only",
    "reship",
    "wrong_item",
    "damaged",
    "quality",
    "logistics",
    "invoice",
    "customs",
    "consultation",
    "complaint",
    "review_followup",
)
STATES = ("pending", "warned", "breached", "met")
PRIORITIES = ("low", "normal", "high", "urgent")


def _state() -> sa.Enum:
    return sa.Enum(*STATES, name="slastate", native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table("holidays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.JSON(), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("first_response_warn_at", "first_response_due_at", "first_responded_at"):
            batch_op.add_column(sa.Column(name, WHEN, nullable=True))
        batch_op.add_column(sa.Column("first_response_sla", _state(), nullable=True))
        for name in ("resolve_warn_at", "resolve_due_at"):
            batch_op.add_column(sa.Column(name, WHEN, nullable=True))
        batch_op.add_column(sa.Column("resolve_sla", _state(), nullable=True))
        batch_op.add_column(sa.Column("sla_paused_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("sla_check_at", WHEN, nullable=True))
        batch_op.create_index("ix_cases_sla_check", ["sla_check_at"])
        batch_op.create_index("ix_cases_shop_resolve_due", ["shop_id", "resolve_due_at"])
    op.create_table(
        "sla_policies",
        sa.Column(
            "case_type",
            sa.Enum(*TYPES, name="casetype", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column(
            "priority",
            sa.Enum(*PRIORITIES, name="casepriority", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolve_minutes", sa.Integer(), nullable=False),
        sa.Column("raise_priority", sa.Boolean(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_sla_policies_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_policies_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    op.drop_table("sla_policies")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_shop_resolve_due")
        batch_op.drop_index("ix_cases_sla_check")
        for name in (
            "sla_check_at",
            "sla_paused_at",
            "resolve_sla",
            "resolve_due_at",
            "resolve_warn_at",
            "first_response_sla",
            "first_responded_at",
            "first_response_due_at",
            "first_response_warn_at",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("holidays", schema=None) as batch_op:
        batch_op.drop_column("hours")
