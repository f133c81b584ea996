"""lifecycle touchpoints (journeys and their steps, whose messages are campaign messages
with a journey step and a trigger key instead of a campaign) and NPS answers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 21:47:26.732825
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum(
                "delivered",
                "birthday",
                "lapsed",
                name="journeytrigger",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lapse_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("started_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scanned_until", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_journeys_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
    )
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journeys_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "journey_steps",
        sa.Column(
            "journey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("webhook", "widget", name="campaignchannel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_steps_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_journey_steps_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_steps")),
        sa.UniqueConstraint(
            "journey_id", "position", name=op.f("uq_journey_steps_journey_id_position")
        ),
    )
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journey_steps_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "nps_answers",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("answered_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_nps_answers_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_nps_answers_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_nps_answers_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_answers")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_nps_answers_conversation_id")),
    )
    with op.batch_alter_table("nps_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nps_answers_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_nps_answers_shop_answered", ["shop_id", "answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nps_answers_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("campaign_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "journey_step_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("trigger_key", sa.String(length=64), nullable=True))
        batch_op.alter_column(
            "campaign_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_messages_journey_step_id_customer_id_trigger_key"),
            ["journey_step_id", "customer_id", "trigger_key"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_messages_journey_step_id_journey_steps"),
            "journey_steps",
            ["journey_step_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_shop_delivered", ["shop_id", "delivered_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_shop_delivered")

    op.execute("DELETE FROM campaign_messages WHERE campaign_id IS NULL")
    with op.batch_alter_table("campaign_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_messages_journey_step_id_journey_steps"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_messages_journey_step_id_customer_id_trigger_key"),
            type_="unique",
        )
        batch_op.alter_column(
            "campaign_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        )
        batch_op.drop_column("trigger_key")
        batch_op.drop_column("journey_step_id")

    with op.batch_alter_table("nps_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nps_answers_shop_id"))
        batch_op.drop_index("ix_nps_answers_shop_answered")
        batch_op.drop_index(batch_op.f("ix_nps_answers_customer_id"))

    op.drop_table("nps_answers")
    with op.batch_alter_table("journey_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_steps_shop_id"))

    op.drop_table("journey_steps")
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journeys_shop_id"))

    op.drop_table("journeys")
