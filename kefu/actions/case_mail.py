"""Case progress by e-mail (docs/cases.md#progress-mails): when an agent moves a case to
another status or writes the shopper a public reply, the shopper gets a mail in the
shop's language, so a shopper who wrote once need not come back to ask.

A mail goes out only when the shop has an active mailbox, has not switched the mails off
(case setting ``progress_mail``) and knows where to write: the address the shopper last
wrote from about this case (a case opened by e-mail), else the customer's address. All
mails of a case form one thread: each answers the case's newest mail, in or out, and
its subject carries the case tag, so the shopper's answer lands on the case.

Transition notes and internal comments are the agents' own: they are never mailed. The
link to rate a finished case is added when the worker sends the mail (kefu.worker.mail),
since only the worker holds the server's public address and secret key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.mail_out import queue_mail
from kefu.channels.email.replies import PROGRESS_STATUS, progress_subject, progress_text
from kefu.lib.cases import CaseStatus, case_settings
from kefu.lib.mail import reply_subject, tagged
from kefu.models import Case, Customer, Mail, Mailbox, MailDirection, MailKind, Shop


async def _address(session: AsyncSession, case: Case) -> str | None:
    """Where the shopper reads about this case: the address of their newest mail on it,
    else the customer's e-mail address (None: nowhere, or erased)."""
    wrote_from = await session.scalar(
        select(Mail.from_address)
        .where(Mail.case_id == case.id, Mail.direction == MailDirection.IN)
        .order_by(Mail.id.desc())
        .limit(1)
    )
    if wrote_from is None and case.customer_id is not None:
        wrote_from = (await session.get_one(Customer, case.customer_id)).email
    return wrote_from if wrote_from and "@" in wrote_from else None


async def mail_progress(session: AsyncSession, case: Case, news: CaseStatus | str) -> Mail | None:
    """Queue the mail telling the shopper of ``news`` on ``case``: its new status, or (a
    ``str``) an agent's public reply. None when no mail goes out (see the module)."""
    if isinstance(news, CaseStatus) and news not in PROGRESS_STATUS:
        return None
    shop = await session.get_one(Shop, case.shop_id)
    if not case_settings(shop.case_settings)["progress_mail"]:
        return None
    mailbox = await session.scalar(
        select(Mailbox).where(Mailbox.shop_id == case.shop_id, Mailbox.active.is_(True))
    )
    to = await _address(session, case) if mailbox is not None else None
    if mailbox is None or to is None:
        return None
    newest = await session.scalar(
        select(Mail).where(Mail.case_id == case.id).order_by(Mail.id.desc()).limit(1)
    )
    subject = reply_subject(newest.subject or "") if newest else progress_subject(shop, case.number)
    text = progress_text(shop, case.number, case.type, case.title, news)
    return await session.run_sync(
        lambda sync: queue_mail(
            sync,
            mailbox,
            MailKind.PROGRESS,
            to=to,
            subject=tagged(subject, case.number),
            text=text,
            case_id=case.id,
            customer_id=case.customer_id,
            conversation_id=newest.conversation_id if newest else None,
            answered=newest,
        )
    )
