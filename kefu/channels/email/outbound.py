"""Sending e-mail through an SMTP server (aiosmtplib): the ``KEFU_SMTP_*`` settings' for
scheduled reports, a shop's own for the e-mail channel.

The password is a ``SecretStr`` and leaves this module only inside the SMTP login; an
error is re-raised as ``MailFailed`` with a message that has it scrubbed out and no chained
exception, so neither a log line nor a stored ``last_error`` can carry it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and how a mail goes out: the ``KEFU_SMTP_*`` server (reports) or a shop's
    own (the e-mail channel)."""

    host: str
    port: int
    security: str  # starttls | tls | none
    username: str
    password: str = field(repr=False)
    timeout: float = 30.0
    ca_file: str = ""  # trusted besides the system's CAs


def _scrubbed(text: str, password: str) -> str:
    if password:
        text = text.replace(password, "***")
    return text[:MAX_ERROR]


async def send_via(server: SmtpServer, message: EmailMessage) -> list[str]:
    """Send ``message`` (From set) through ``server``; returns the addresses the server
    refused while accepting the others. Raises ``MailFailed`` when nobody got it."""
    import aiosmtplib  # at first use: every server process imports this module, few send

    try:
        refused, _reply = await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username or None,
            password=server.password if server.username else None,
            use_tls=server.security == "tls",
            start_tls=server.security == "starttls",
            timeout=server.timeout,
            cert_bundle=server.ca_file or None,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        reason = _scrubbed(f"{type(exc).__name__}: {exc}", server.password)
        raise MailFailed(reason) from None
    return sorted(refused)


async def send_mail(settings: Settings, message: EmailMessage) -> list[str]:
    """Send ``message`` (its From is set here) to its To addresses through the
    ``KEFU_SMTP_*`` server; see ``send_via``."""
    if not mail_configured(settings):
        raise MailNotConfigured("set KEFU_SMTP_HOST and KEFU_MAIL_FROM to send e-mail")
    if "From" not in message:
        message["From"] = settings.mail_from
    server = SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value(),
        timeout=settings.smtp_timeout_seconds,
    )
    return await send_via(server, message)
