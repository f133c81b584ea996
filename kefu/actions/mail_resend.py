"""Sending again a mail that gave up (docs/email.md "Failed mails").

The worker marks an outbound mail ``failed`` after its last attempt (kefu.worker.mail):
the server kept refusing or could not be reached. Once the cause is fixed (a password,
a server name), the shop's owners and supervisors (``manage_mailbox``) see those mails
in the e-mail settings and queue one again, with all its attempts ahead of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, wake_jobs_on_commit
from kefu.errors import Conflict
from kefu.models import Mail, MailDirection, MailState
from kefu.queries.access import fetch_owned


async def do_resend_mail(session: AsyncSession, actor: Actor, mail_id: int, now: datetime) -> Mail:
    """Queue a failed outbound mail again, due now, its attempts counted from 0; the
    worker never touches a failed mail, so this cannot race with a send."""
    mail = await fetch_owned(
        session, actor, Mail, mail_id, "mail", permission=Permission.MANAGE_MAILBOX
    )
    if mail.direction is not MailDirection.OUT or mail.state is not MailState.FAILED:
        raise Conflict("only an outgoing mail that failed can be sent again")
    before = {"state": mail.state.value, "attempts": mail.attempts, "last_error": mail.last_error}
    mail.state = MailState.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = now
    mail.claimed_at = None
    await session.flush()
    after = {"state": mail.state.value, "attempts": 0, "last_error": mail.last_error}
    record_audit(session, actor, "mail.resend", "mail", mail.id, before=before, after=after)
    wake_jobs_on_commit(session)
    return mail
