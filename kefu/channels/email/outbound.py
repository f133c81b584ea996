"""Sending e-mail through the SMTP server of the ``KEFU_SMTP_*`` settings (aiosmtplib).

The password is a ``SecretStr`` and leaves this module only inside the SMTP login; an
error is re-raised as ``MailFailed`` with a message that has it scrubbed out and no chained
exception, so neither a log line nor a stored ``last_error`` can carry it."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from kefu.settings import Settings

MAX_ERROR = 500


class MailNotConfigured(RuntimeError):
    """No SMTP server (``KEFU_SMTP_HOST``) or no sender (``KEFU_MAIL_FROM``) is set."""


class MailFailed(RuntimeError):
    """The server could not be reached or refused the message; ``str()`` is safe to
    log and store."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host and settings.mail_from)


def compose_mail(
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> EmailMessage:
    """A message with a plain-text body, optionally an HTML alternative, and attachments
    given as (file name, MIME type, bytes). Header values with a line break are refused
    by the standard library, so nothing a person typed can add a header."""
    message = EmailMessage()
    message["Subject"] = subject
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="kefu")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=name, params=params
        )
    return message


def _scrubbed(text: str, settings: Settings) -> str:
    password = settings.smtp_password.get_secret_value()
    if password:
        text = text.replace(password, "***")
    return text[:MAX_ERROR]


async def send_mail(settings: Settings, message: EmailMessage) -> list[str]:
    """Send ``message`` (its From is set here) to its To addresses; returns the addresses
    the server refused while accepting the others (the message went out: sending it again
    would reach the others twice). Raises ``MailFailed`` when nobody got it."""
    import aiosmtplib  # at first use: every server process imports this module, few send

    if not mail_configured(settings):
        raise MailNotConfigured("set KEFU_SMTP_HOST and KEFU_MAIL_FROM to send e-mail")
    if "From" not in message:
        message["From"] = settings.mail_from
    password = settings.smtp_password.get_secret_value()
    try:
        refused, _reply = await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        reason = _scrubbed(f"{type(exc).__name__}: {exc}", settings)
        raise MailFailed(reason) from None
    return sorted(refused)
