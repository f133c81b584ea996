"""Fetching new mail from a shop's IMAP server (the standard library's imaplib, run in a
thread by the worker).

The folder is opened read-only (EXAMINE): Kefu never marks, moves or deletes the shop's
mail; what it has stored is remembered by UID. TLS certificates and host names are
checked (the system's CAs plus ``KEFU_MAIL_CA_FILE``); ``none`` talks in plain text and
is meant for a server on the same machine. Errors come out as ``MailboxFailed`` with
the password scrubbed, so neither a log line nor ``last_error`` can carry it."""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass, field

MAX_ERROR = 500


class MailboxFailed(RuntimeError):
    """The server could not be reached, refused the login, or answered nonsense; ``str()``
    is safe to log and store."""


@dataclass(frozen=True, slots=True)
class ImapServer:
    host: str
    port: int
    security: str  # tls | starttls | none
    username: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    ca_file: str = ""
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class Fetched:
    uid_validity: int
    mails: list[tuple[int, bytes]]  # (UID, the raw mail), oldest first
    more: bool  # more new mail waits beyond this batch


def tls_context(ca_file: str) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_file`` when given; host names checked."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(server: ImapServer) -> imaplib.IMAP4:
    if server.security == "tls":
        return imaplib.IMAP4_SSL(
            server.host,
            server.port,
            ssl_context=tls_context(server.ca_file),
            timeout=server.timeout,
        )
    client = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
    if server.security == "starttls":
        client.starttls(ssl_context=tls_context(server.ca_file))
    return client


def _fetch(server: ImapServer, last_uid: int, known_validity: int | None, limit: int) -> Fetched:
    client = _connect(server)
    try:
        client.login(server.username, server.password)
        status, answer = client.select(_quoted(server.folder), readonly=True)
        if status != "OK":
            raise MailboxFailed(f"cannot open folder {server.folder}: {answer!r}"[:MAX_ERROR])
        validity = int(client.response("UIDVALIDITY")[1][0])
        start = last_uid + 1 if validity == known_validity else 1
        status, answer = client.uid("SEARCH", "UID", f"{start}:*")
        # "n:*" always names the newest mail, even below n: keep only the new ones.
        uids = sorted(u for u in map(int, (answer[0] or b"").split()) if u >= start)
        mails: list[tuple[int, bytes]] = []
        for uid in uids[:limit]:
            status, answer = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in answer if isinstance(part, tuple)), None)
            if status == "OK" and raw is not None:
                mails.append((uid, raw))
        return Fetched(validity, mails, more=len(uids) > limit)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def fetch_new(server: ImapServer, last_uid: int, known_validity: int | None, limit: int) -> Fetched:
    """Mail with a UID above ``last_uid`` (every mail when the folder's UIDVALIDITY is not
    ``known_validity``), at most ``limit``, oldest first. Blocking: run it in a thread."""
    try:
        return _fetch(server, last_uid, known_validity, limit)
    except MailboxFailed as exc:
        raise MailboxFailed(_scrubbed(str(exc), server)) from None
    except (imaplib.IMAP4.error, OSError, ValueError, IndexError) as exc:
        raise MailboxFailed(_scrubbed(f"{type(exc).__name__}: {exc}", server)) from None


def _scrubbed(text: str, server: ImapServer) -> str:
    if server.password:
        text = re.sub(re.escape(server.password), "***", text)
    return text[:MAX_ERROR]
