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

from kefu.catalogs import N_, translations
from kefu.lib.business_hours import ShopCalendar
from kefu.lib.cases import CaseStatus, CaseType
from kefu.models import Mail, MailKind, Shop

ACKNOWLEDGEMENT = N_(
    "Hello,\n\nthank you for writing to %(shop)s. We have received your e-mail and "
    "opened case C-%(number)s for it; we answer within 24 hours.\n\n"
    "To add anything, simply reply to this e-mail and keep [#C-%(number)s] in the subject."
)
AUTO_REPLY = N_("Hello,\n\nthank you for your e-mail about case C-%(number)s.")
AWAY = N_("We are outside our service hours now and answer from %(opens)s (%(zone)s).")
CLOSED = N_("We are outside our service hours now.")
SIGNATURE = N_("%(shop)s customer service")
# Mails a machine writes that a shopper may well answer: ``Auto-Submitted: auto-generated``.
MACHINE_MADE = (MailKind.NOTICE, MailKind.CAMPAIGN, MailKind.PROGRESS, MailKind.RATING)
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


# Case progress mails (kefu.actions.case_mail): one shopper-meaningful sentence per status
# a case can move to (none for ``new``: a case is never moved back to it).
PROGRESS_SUBJECT = N_("News on your case C-%(number)s")
PROGRESS_NEWS = N_("Hello,\n\nthere is news on your case C-%(number)s (%(type)s: %(title)s):")
PROGRESS_REPLY = N_("Hello,\n\nour answer on your case C-%(number)s (%(type)s: %(title)s):")
PROGRESS_STATUS = {
    CaseStatus.ACCEPTED: N_("We have accepted your request and are working on it."),
    CaseStatus.INVESTIGATING: N_("We are looking into it and will get back to you."),
    CaseStatus.WAITING_CUSTOMER: N_(
        "We need some more information from you: please simply reply to this e-mail."
    ),
    CaseStatus.WAITING_WAREHOUSE: N_(
        "We are waiting for our warehouse and will tell you as soon as it answers."
    ),
    CaseStatus.WAITING_CARRIER: N_(
        "We are waiting for the carrier and will tell you as soon as we hear from them."
    ),
    CaseStatus.RESOLVED: N_(
        "Your case is resolved. If anything is still not right, simply reply to this e-mail."
    ),
    CaseStatus.CLOSED: N_("Your case is closed. Thank you for your patience."),
    CaseStatus.REOPENED: N_("We have reopened your case and are working on it again."),
}
PROGRESS_ADD = N_(
    "To add anything, simply reply to this e-mail and keep [#C-%(number)s] in the subject."
)
RATE_CASE = N_("How did we do? Rate our help from 1 to 5 stars: %(link)s")
RATE_CONVERSATION = N_(
    "Hello,\n\nthank you for writing to %(shop)s. We have closed this conversation; if "
    "anything is left, simply reply to this e-mail."
)


def _gettext(shop: Shop) -> Callable[[str], str]:
    return translations(shop.locale if shop.locale in ("zh_CN", "en") else "zh_CN").gettext


def progress_subject(shop: Shop, number: int) -> str:
    """The subject of a case's first mail (later ones answer the thread's newest mail)."""
    return _gettext(shop)(PROGRESS_SUBJECT) % {"number": number}


def progress_text(
    shop: Shop,
    number: int,
    kind: CaseType,
    title: str,
    news: CaseStatus | str,
) -> str:
    """The words of a case progress mail in the shop's language: what the case's new
    status means for the shopper, or (a ``str``) an agent's public reply as written."""
    from kefu.web.labels import LABELS  # at first use: labels import half of Kefu

    gettext = _gettext(shop)
    values = {
        "shop": shop.name,
        "number": number,
        "type": gettext(LABELS[CaseType][kind.value]),
        "title": title,
    }
    if isinstance(news, CaseStatus):
        parts = [gettext(PROGRESS_NEWS) % values, gettext(PROGRESS_STATUS[news])]
    else:
        parts = [gettext(PROGRESS_REPLY) % values, news]
    parts += [gettext(PROGRESS_ADD) % values, gettext(SIGNATURE) % values]
    return "\n\n".join(parts)


def rating_invitation(shop: Shop, link: str) -> str:
    """The line inviting a shopper to rate our help, in the shop's language."""
    return _gettext(shop)(RATE_CASE) % {"link": link}


def rating_request_text(shop: Shop, link: str) -> str:
    """The words of the mail asking to rate a closed e-mail conversation."""
    gettext, values = _gettext(shop), {"shop": shop.name}
    parts = [gettext(RATE_CONVERSATION) % values, rating_invitation(shop, link)]
    return "\n\n".join([*parts, gettext(SIGNATURE) % values])


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
    elif mail.kind in MACHINE_MADE:  # answers welcome
        message["Auto-Submitted"] = "auto-generated"
    if unsubscribe is not None:
        message["List-Unsubscribe"] = f"<{unsubscribe.url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text = f"{text}\n\n-- \n{unsubscribe.line}"
    message.set_content(text)
    return message
