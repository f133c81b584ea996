"""E-mail as data (docs/email.md): reading a received mail into what the channel keeps, the
loop guards that say a mail must get no automatic answer, and the case tag of subjects.
No database, no network.

HTML bodies are sanitised with nh3 (ammonia): only formatting survives, no script, no
style, no event handler, no remote image that could track the reader (``src`` is kept
only for ``cid:`` and ``data:`` pictures)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

MAX_TEXT = 100_000
MAX_SUBJECT = 500
MAX_ID = 300
MAX_REFERENCES = 30
CASE_TAG = re.compile(r"\[#C-(\d{1,9})\]")
_ID = re.compile(r"<([^<>\s]{1,298})>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGS = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n{3,}")
# Senders that are machines: their mail is never answered automatically.
_ROBOTS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.I)
_SAFE_SCHEMES = {"http", "https", "mailto", "cid", "data"}


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(slots=True)
class ReceivedMail:
    """What the channel keeps of one received mail."""

    message_id: str
    in_reply_to: str | None
    references: list[str]
    from_address: str
    from_name: str | None
    to_addresses: list[str]
    subject: str
    text: str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    # Why no automatic answer may go to it (None: it may get one).
    automatic: str | None = None
    # What was left out (an attachment over the limit …), for the agent to see.
    notes: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers, the nearest first."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + self.references[::-1]
        return list(dict.fromkeys(ids))


def clean(text: str, limit: int) -> str:
    """Without NUL and other control characters (PostgreSQL stores no NUL), at most
    ``limit`` characters."""
    return _CONTROL.sub("", text)[:limit]


def message_ids(value: str | None) -> list[str]:
    """The ``<id>`` values of a Message-ID, In-Reply-To or References header, without
    the angle brackets."""
    return _ID.findall(value or "")


def case_number(subject: str) -> int | None:
    """The case number of a ``[#C-123]`` tag in a subject, or None."""
    match = CASE_TAG.search(subject)
    return int(match.group(1)) if match else None


def tagged(subject: str, number: int) -> str:
    """``subject`` carrying the case's tag (once)."""
    tag = f"[#C-{number}]"
    return subject if tag in subject else f"{subject} {tag}".strip()


def reply_subject(subject: str) -> str:
    return subject if re.match(r"^\s*(re|回复|答复)\s*[:：]", subject, re.I) else f"Re: {subject}"


def automatic_reason(message: EmailMessage, from_address: str, own_address: str) -> str | None:
    """Why this mail must get no automatic answer (RFC 3834 and list practice), or None:
    an auto-submitted mail, a mailing list's, a bulk or junk one, a bounce or delivery
    report, a machine sender, or our own address (a loop through a forward)."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("List-Id", "List-Unsubscribe", "List-Post"):
        if message.get(header):
            return f"mailing list ({header})"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    if (message.get("X-Auto-Response-Suppress") or "").strip():
        return "X-Auto-Response-Suppress"
    null_sender = (message.get("Return-Path") or "").strip() == "<>"
    if message.get_content_type() == "multipart/report" or null_sender:
        return "a bounce or delivery report"
    if not from_address or _ROBOTS.match(from_address):
        return "a machine sender"
    if from_address == own_address.lower():
        return "our own address"
    return None


def sanitise_html(html: str) -> str:
    """Formatting only: nh3's safe tags, links that open apart with no referrer, and
    pictures only from the mail itself (``cid:``) or inline data."""
    import nh3  # at first use: only the worker reads mail

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if value.startswith(("cid:", "data:image/")) else None
        return value

    return nh3.clean(
        html,
        url_schemes=_SAFE_SCHEMES,
        attribute_filter=keep,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(html: str) -> str:
    """A readable plain text of a sanitised HTML body, for a mail with no text part."""
    import html as html_lib

    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>", "\n", html)
    text = html_lib.unescape(_TAGS.sub("", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _decoded_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True) or b""
        return bytes(payload).decode("utf-8", errors="replace")


def read_mail(raw: bytes, *, own_address: str, max_attachment: int) -> ReceivedMail:
    """Parse one received mail. Attachments larger than ``max_attachment`` bytes are
    dropped with a note; a mail without a Message-ID gets none here (the caller names
    it by its UID)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    address = clean(address.strip().lower(), 254)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = sanitise_html(_decoded_text(html_part)) if html_part is not None else None
    text = html_to_text(html) if html else ""
    if text_part is not None:
        text = _decoded_text(text_part)
    notes: list[str] = []
    attachments: list[Attachment] = []
    for part in message.iter_attachments():
        assert isinstance(part, EmailMessage)
        filename = clean(part.get_filename() or "attachment", 255) or "attachment"
        content = part.get_payload(decode=True) or b""
        if not isinstance(content, bytes):
            continue  # an attached message: its text is not a file to keep
        if len(content) > max_attachment:
            notes.append(f"attachment {filename} dropped: {len(content)} bytes, over the limit")
            continue
        attachments.append(Attachment(filename, clean(part.get_content_type(), 127), content))
    ids = message_ids(str(message.get("Message-ID", "")))
    in_reply_to = message_ids(str(message.get("In-Reply-To", "")))
    recipients = getaddresses([str(v) for v in message.get_all("To", [])])
    return ReceivedMail(
        message_id=ids[0] if ids else "",
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=message_ids(str(message.get("References", "")))[-MAX_REFERENCES:],
        from_address=address,
        from_name=clean(name, 200) or None,
        to_addresses=[clean(a.lower(), 254) for _, a in recipients if a][:50],
        subject=clean(" ".join(str(message.get("Subject", "")).split()), MAX_SUBJECT),
        text=clean(text, MAX_TEXT),
        html=clean(html, MAX_TEXT * 5) if html else None,
        attachments=attachments,
        automatic=automatic_reason(message, address, own_address),
        notes=notes,
    )
