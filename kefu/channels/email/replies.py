"""A queued mail of the e-mail channel as the message that goes out: the threading
headers fixed when it was queued, and for the automatic answers their words in the
shop's language (the acknowledgement names the case; outside business hours both say
when the shop opens again).

Automatic answers carry ``Auto-Submitted: auto-replied`` (RFC 3834) and
``X-Auto-Response-Suppress: All``, so a well-behaved auto-responder on the other side
does not answer them, and our own loop guards would not answer such a mail either.

A campaign's (or journey step's) mail ends with a footer line holding the customer's
unsubscribe link and carries it in ``List-Unsubscribe`` with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058), so mail programs offer their own button. The
link is added here, when the mail is sent, not when it is queued: it needs the server's
secret and public URL (the worker's Settings), which the outreach code queueing it has
not at hand, and so it is never stored in the mail's text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from kefu.lib.business_hours import ShopCalendar
from kefu.models import Mail, MailKind, Shop
from kefu.web.i18n import N_, translations

ACKNOWLEDGEMENT = N_(
    "Hello,\n\nthank you for writing to %(shop)s. We have received your e-mail and "
    "opened case C-%(number)s for it; we answer within 24 hours.\n\n"
    "To add anything, simply reply to this e-mail and keep [#C-%(number)s] in the subject."
)
AUTO_REPLY = N_("Hello,\n\nthank you for your e-mail about case C-%(number)s.")
AWAY = N_("We are outside our service hours now and answer from %(opens)s (%(zone)s).")
CLOSED = N_("We are outside our service hours now.")
SIGNATURE = N_("%(shop)s customer service")
UNSUBSCRIBE = N_(
    "You receive this mail as a customer of %(shop)s. To receive no more, unsubscribe "
    "with one click: %(url)s"
)


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """A campaign mail's unsubscribe link and its footer line in the shop's language."""

    url: str
    line: str


def _gettext(shop: Shop) -> Callable[[str], str]:
    return translations(shop.locale if shop.locale in ("zh_CN", "en") else "zh_CN").gettext


def unsubscribe_footer(shop: Shop, url: str) -> Unsubscribe:
    return Unsubscribe(url, _gettext(shop)(UNSUBSCRIBE) % {"shop": shop.name, "url": url})


def automatic_text(
    kind: MailKind, shop: Shop, number: int | None, calendar: ShopCalendar, now: datetime
) -> str:
    """The words of an automatic answer in the shop's language; outside business hours
    with when the shop opens again."""
    gettext = _gettext(shop)
    values = {"shop": shop.name, "number": number if number is not None else "-"}
    template = ACKNOWLEDGEMENT if kind is MailKind.ACKNOWLEDGEMENT else AUTO_REPLY
    parts = [gettext(template) % values]
    if not calendar.is_open(now):
        try:
            opens = calendar.next_open(now).astimezone(calendar.zone)
            when = {"opens": opens.strftime("%Y-%m-%d %H:%M"), "zone": calendar.timezone}
            parts.append(gettext(AWAY) % when)
        except ValueError:  # no business hours at all
            parts.append(gettext(CLOSED))
    parts.append(gettext(SIGNATURE) % values)
    return "\n\n".join(parts)


def compose(mail: Mail, text: str, unsubscribe: Unsubscribe | None = None) -> EmailMessage:
    """The message of a queued mail (header values were cleaned of line breaks when
    stored; the standard library refuses any that are left), with the unsubscribe footer
    and headers when given."""
    message = EmailMessage()
    message["From"] = formataddr((mail.from_name or "", mail.from_address))
    message["To"] = ", ".join(mail.to_addresses)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{mail.message_id}>"
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.reference_ids:
        message["References"] = " ".join(f"<{i}>" for i in mail.reference_ids)
    if mail.kind in (MailKind.ACKNOWLEDGEMENT, MailKind.AUTO_REPLY):
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    elif mail.kind in (MailKind.NOTICE, MailKind.CAMPAIGN):  # machine-made, answers welcome
        message["Auto-Submitted"] = "auto-generated"
    if unsubscribe is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe.url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text = f"{text}\n\n-- \n{unsubscribe.line}"
    message.set_content(text)
    return message
