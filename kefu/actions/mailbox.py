"""The shop's mailbox settings (docs/email.md): where its e-mail comes in (IMAP) and goes
out (SMTP). Owners and supervisors change them (``manage_mailbox``).

Passwords are write-only: saving without one keeps the stored one, nothing returns it,
and the audit entry leaves it out (``SECRET_FIELDS``)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.actions.checks import choice, clean_email, clean_text
from kefu.errors import Invalid
from kefu.models import Mailbox, MailSecurity
from kefu.models.base import utcnow

_HOST = re.compile(r"^[A-Za-z0-9.:\-\[\]]{1,253}$")
MAX_PASSWORD = 500


def _host(value: Any, field: str) -> str:
    host = value.strip() if isinstance(value, str) else ""
    if not _HOST.match(host):
        raise Invalid("a host name or IP address, e.g. imap.example.com", field=field)
    return host


def _port(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise Invalid("a port from 1 to 65535", field=field)
    return value


def _password(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_PASSWORD or "\n" in value or "\r" in value:
        raise Invalid(f"a password of at most {MAX_PASSWORD} characters on one line", field=field)
    return value


def _login(value: Any, field: str) -> str:
    if value is None or value == "":
        return ""
    return clean_text(value, field, "the login", 254)


async def get_mailbox(session: AsyncSession, actor: Actor) -> Mailbox | None:
    """The actor's shop's mailbox, or None when e-mail is not set up."""
    actor.require(Permission.MANAGE_MAILBOX)
    return await session.scalar(select(Mailbox).where(Mailbox.shop_id == actor.shop_id))


async def do_save_mailbox(session: AsyncSession, actor: Actor, **fields: Any) -> Mailbox:
    """Set up or change the shop's mailbox. A password left out (None) keeps the stored
    one; the IMAP password is required the first time. Saving polls again at once."""
    mailbox = await get_mailbox(session, actor)
    before = snapshot(mailbox) if mailbox is not None else None
    if mailbox is None:
        if not fields.get("imap_password"):
            raise Invalid("the IMAP password is required", field="imap_password")
        mailbox = Mailbox(shop_id=actor.shop_id, last_uid=0, smtp_password="")
        session.add(mailbox)
    mailbox.from_address = clean_email(fields.get("from_address"), "from_address")
    name = fields.get("from_name")
    mailbox.from_name = clean_text(name, "from_name", "the sender name") if name else None
    for side in ("imap", "smtp"):
        setattr(mailbox, f"{side}_host", _host(fields.get(f"{side}_host"), f"{side}_host"))
        setattr(mailbox, f"{side}_port", _port(fields.get(f"{side}_port"), f"{side}_port"))
        security = choice(MailSecurity, fields.get(f"{side}_security"), f"{side}_security")
        setattr(mailbox, f"{side}_security", security)
        setattr(
            mailbox,
            f"{side}_username",
            _login(fields.get(f"{side}_username"), f"{side}_username"),
        )
        password = fields.get(f"{side}_password")
        if password is not None:
            setattr(mailbox, f"{side}_password", _password(password, f"{side}_password"))
    if not mailbox.imap_username:
        raise Invalid("the IMAP login is required", field="imap_username")
    mailbox.imap_folder = clean_text(
        fields.get("imap_folder") or "INBOX", "imap_folder", "the folder", 200
    )
    mailbox.acknowledge = bool(fields.get("acknowledge", True))
    mailbox.auto_reply = bool(fields.get("auto_reply", True))
    mailbox.active = bool(fields.get("active", True))
    mailbox.next_poll_at = utcnow()
    mailbox.last_error = None
    await session.flush()
    record_audit(
        session,
        actor,
        "mailbox.create" if before is None else "mailbox.update",
        "mailbox",
        mailbox.id,
        before=before,
        after=snapshot(mailbox),
    )
    return mailbox
