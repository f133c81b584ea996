"""crm: RFM snapshots, campaigns and their messages, opt-outs

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = kefu.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=True),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("webhook", "widget", name="campaignchannel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("conversion_days", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "launched", name="campaignstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("launched_at", WHEN, nullable=True),
        sa.Column("launched_by", sa.String(length=200), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_campaigns_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "campaign_messages",
        sa.Column("campaign_id", BIG_ID, nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("send_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("shown_at", WHEN, nullable=True),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_messages_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_campaign_messages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_campaign_messages_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_messages")),
        sa.UniqueConstraint(
            "campaign_id", "customer_id", name=op.f("uq_campaign_messages_campaign_id_customer_id")
        ),
    )
    with op.batch_alter_table("campaign_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_messages_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_campaign_messages_customer_send", ["customer_id", "send_at"], unique=False
        )
        batch_op.create_index("ix_campaign_messages_due", ["sent_at", "send_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_messages_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "rfm_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary_cents", sa.BigInteger(), nullable=False),
        sa.Column("r", sa.SmallInteger(), nullable=False),
        sa.Column("f", sa.SmallInteger(), nullable=False),
        sa.Column("m", sa.SmallInteger(), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_rfm_snapshots_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_rfm_snapshots_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfm_snapshots")),
        sa.UniqueConstraint(
            "shop_id", "day", "customer_id", name=op.f("uq_rfm_snapshots_shop_id_day_customer_id")
        ),
    )
    with op.batch_alter_table("rfm_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rfm_snapshots_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_rfm_snapshots_shop_day_segment", ["shop_id", "day", "segment"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rfm_snapshots_shop_id"), ["shop_id"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opted_out_at", WHEN, nullable=True))

    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("crm_settings", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("crm_settings")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("opted_out_at")

    with op.batch_alter_table("rfm_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rfm_snapshots_shop_id"))
        batch_op.drop_index("ix_rfm_snapshots_shop_day_segment")
        batch_op.drop_index(batch_op.f("ix_rfm_snapshots_customer_id"))

    op.drop_table("rfm_snapshots")
    with op.batch_alter_table("campaign_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_messages_shop_id"))
        batch_op.drop_index("ix_campaign_messages_due")
        batch_op.drop_index("ix_campaign_messages_customer_send")
        batch_op.drop_index(batch_op.f("ix_campaign_messages_campaign_id"))

    op.drop_table("campaign_messages")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_shop_id"))

    op.drop_table("campaigns")
