"""the e-mail channel: each shop's mailbox (IMAP in, SMTP out), the mails received and
sent, and the attachments of received mail

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 06:28:59.976253
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kefu.models.base

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=100), nullable=True),
        sa.Column("imap_host", sa.String(length=253), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column(
            "imap_security",
            sa.Enum("tls", "starttls", "none", name="mailsecurity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("imap_username", sa.String(length=254), nullable=False),
        sa.Column("imap_password", sa.String(length=500), nullable=False),
        sa.Column("imap_folder", sa.String(length=200), nullable=False),
        sa.Column("smtp_host", sa.String(length=253), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column(
            "smtp_security",
            sa.Enum("tls", "starttls", "none", name="mailsecurity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("smtp_username", sa.String(length=254), nullable=False),
        sa.Column("smtp_password", sa.String(length=500), nullable=False),
        sa.Column("acknowledge", sa.Boolean(), nullable=False),
        sa.Column("auto_reply", sa.Boolean(), nullable=False),
        sa.Column("next_poll_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "uid_validity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("last_uid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_polled_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
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
            ["shop_id"], ["shops.id"], name=op.f("fk_mailboxes_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("shop_id", name=op.f("uq_mailboxes_shop_id")),
    )
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mailboxes_active_next_poll", ["active", "next_poll_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mailboxes_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "mails",
        sa.Column(
            "mailbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "direction",
            sa.Enum("in", "out", name="maildirection", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "received",
                "reply",
                "acknowledgement",
                "auto_reply",
                name="mailkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "queued",
                "sending",
                "sent",
                "failed",
                name="mailstate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "chat_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "uid_validity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("uid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("in_reply_to", sa.String(length=300), nullable=True),
        sa.Column("reference_ids", sa.JSON(), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("to_addresses", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", kefu.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", kefu.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_mails_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["chat_message_id"],
            ["messages.id"],
            name=op.f("fk_mails_chat_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_mails_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_mails_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["mailboxes.id"],
            name=op.f("fk_mails_mailbox_id_mailboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_mails_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
        sa.UniqueConstraint(
            "mailbox_id", "uid_validity", "uid", name=op.f("uq_mails_mailbox_id_uid_validity_uid")
        ),
    )
    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mails_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_mails_conversation_id", ["conversation_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mails_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mails_mailbox_id"), ["mailbox_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mails_shop_id"), ["shop_id"], unique=False)
        batch_op.create_index("ix_mails_shop_message_id", ["shop_id", "message_id"], unique=False)
        batch_op.create_index(
            "ix_mails_state_next_attempt", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "mail_attachments",
        sa.Column("mail_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"],
            ["mails.id"],
            name=op.f("fk_mail_attachments_mail_id_mails"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_mail_attachments_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
    )
    with op.batch_alter_table("mail_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_attachments_mail_id"), ["mail_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_attachments_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_attachments_shop_id"))
        batch_op.drop_index(batch_op.f("ix_mail_attachments_mail_id"))

    op.drop_table("mail_attachments")
    with op.batch_alter_table("mails", schema=None) as batch_op:
        batch_op.drop_index("ix_mails_state_next_attempt")
        batch_op.drop_index("ix_mails_shop_message_id")
        batch_op.drop_index(batch_op.f("ix_mails_shop_id"))
        batch_op.drop_index(batch_op.f("ix_mails_mailbox_id"))
        batch_op.drop_index(batch_op.f("ix_mails_customer_id"))
        batch_op.drop_index("ix_mails_conversation_id")
        batch_op.drop_index(batch_op.f("ix_mails_case_id"))

    op.drop_table("mails")
    with op.batch_alter_table("mailboxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailboxes_shop_id"))
        batch_op.drop_index("ix_mailboxes_active_next_poll")

    op.drop_table("mailboxes")
