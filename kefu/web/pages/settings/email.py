"""Settings → e-mail (owners and supervisors, ``manage_mailbox``): the shop's mailbox, where
shoppers' mail comes in (IMAP) and replies go out (SMTP), and whether new threads are
acknowledged and mail out of hours answered. Passwords are never shown: an empty password
field keeps the stored one. The last poll's time, or why it failed, is shown beside, and
the mails that gave up after their last attempt, each with a button to send it again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.actions.mail_resend import do_resend_mail
from kefu.actions.mailbox import do_save_mailbox, get_mailbox
from kefu.models import MailSecurity
from kefu.models.base import utcnow
from kefu.queries.mail import failed_mails
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, checked, errors_of, text

router = APIRouter(include_in_schema=False)
HOME = "/settings/email"
MSG_SAVED = N_("E-mail settings saved; the mailbox is checked for new mail now.")
MSG_RESENT = N_("The mail is queued again and goes out shortly.")
SECURITY_NAMES = {
    MailSecurity.TLS: N_("TLS (usually port 993 / 465)"),
    MailSecurity.STARTTLS: N_("STARTTLS (usually port 143 / 587)"),
    MailSecurity.NONE: N_("None (a server on this machine only)"),
}
TEXT_FIELDS = ("from_address", "from_name", "imap_host", "imap_username", "imap_folder")
TEXT_FIELDS += ("smtp_host", "smtp_username", "imap_security", "smtp_security")
FLAGS = ("acknowledge", "auto_reply", "active")


async def _page(
    request: Request,
    page: Page,
    session: SessionDep,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    mailbox = await get_mailbox(session, page.actor)
    if values is None:
        values = {"imap_port": 993, "smtp_port": 587, "imap_folder": "INBOX"}
        values |= {"imap_security": "tls", "smtp_security": "starttls"}
        values |= dict.fromkeys(FLAGS, True)
        if mailbox is not None:
            names = (*TEXT_FIELDS, "imap_port", "smtp_port", *FLAGS)
            values = {name: getattr(mailbox, name) for name in names}
            values["imap_security"] = mailbox.imap_security.value
            values["smtp_security"] = mailbox.smtp_security.value
    context = {
        "mailbox": mailbox,
        "failed": await failed_mails(session, page.actor),
        "values": values,
        "errors": errors or {},
        "securities": [(s.value, name) for s, name in SECURITY_NAMES.items()],
    }
    return render(request, "settings/email.html", context, status_code=status)


@router.get(HOME)
async def email_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _page(request, page, session)


def _port(value: str) -> int | str:
    return int(value) if value.isdigit() and len(value) < 6 else value


@router.post(HOME)
async def email_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    values: dict[str, Any] = {name: text(form, name) for name in TEXT_FIELDS}
    values |= {name: checked(form, name) for name in FLAGS}
    values |= {"imap_port": text(form, "imap_port"), "smtp_port": text(form, "smtp_port")}
    passwords = {
        name: (form.get(name) if isinstance(form.get(name), str) else "") or None
        for name in ("imap_password", "smtp_password")
    }
    try:
        ports = {name: _port(values[name]) for name in ("imap_port", "smtp_port")}
        await do_save_mailbox(session, page.actor, **(values | ports | passwords))
    except FormError as exc:
        errors = errors_of(exc, "from_address")
        return await _page(request, page, session, values=values, errors=errors, status=422)
    await session.commit()
    return redirect(HOME, flash=MSG_SAVED, request=request)


@router.post(HOME + "/mails/{mail_id}/resend")
async def mail_resend(
    request: Request, session: SessionDep, page: PageDep, mail_id: IdPath
) -> Response:
    await do_resend_mail(session, page.actor, mail_id, utcnow())
    await session.commit()
    return redirect(HOME, flash=MSG_RESENT, request=request)
