"""The e-mail channel's jobs (docs/email.md), at every poll of the worker: fetch new mail
from the shops' mailboxes whose poll is due, then send the queued mails that are due.

Polling: a worker claims a mailbox by moving its ``next_poll_at`` from the value it read
to the end of a lease (compare-and-swap), so two workers never poll one mailbox at once.
It fetches over IMAP in a thread (no transaction open meanwhile), stores each mail in its
own transaction together with the mailbox's new ``last_uid``, and sets the next poll.
A worker that dies mid-poll leaves the lease to run out; the next poll fetches from the
last stored UID, and a mail stored twice is impossible (Message-ID, UID unique).

Sending: a queued mail is claimed with ``UPDATE … WHERE state = 'queued'``; sent, it is
``sent``; refused or unreachable, it is queued again after ``KEFU_MAIL_RETRY_BASE_SECONDS``
doubled per failure, and ``failed`` after ``KEFU_MAIL_MAX_ATTEMPTS``. A mail left
``sending`` by a dead worker is queued again once its lease ran out (the shopper may then
get it twice; never none)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.actions.mail import do_receive_mail
from kefu.channels.email.imap import Fetched, ImapServer, MailboxFailed, fetch_new
from kefu.channels.email.outbound import MailFailed, SmtpServer, send_via
from kefu.channels.email.replies import (
    Unsubscribe,
    automatic_text,
    compose,
    rating_invitation,
    rating_request_text,
    unsubscribe_footer,
)
from kefu.crm.unsubscribe import unsubscribe_url
from kefu.db import any_row
from kefu.lib.cases import FINISHED
from kefu.lib.links import case_rating_link, conversation_rating_link
from kefu.lib.mail import read_mail
from kefu.metrics import JOB_ATTEMPTS
from kefu.models import (
    Case,
    CaseRating,
    Customer,
    Mail,
    Mailbox,
    MailDirection,
    MailKind,
    MailState,
    Shop,
)
from kefu.models.base import utcnow
from kefu.queries.shops import calendar_of
from kefu.settings import Settings
from kefu.worker.due import take_turn

log = logging.getLogger(__name__)
BATCH = 20
MAILS_PER_POLL = 50
MAX_ERROR = 500


def _imap(mailbox: Mailbox, settings: Settings) -> ImapServer:
    return ImapServer(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security.value,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder,
        ca_file=settings.mail_ca_file,
        timeout=settings.mail_timeout_seconds,
    )


async def _store(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailbox_id: int,
    fetched: Fetched,
    uid: int,
    raw: bytes,
) -> bool:
    """One mail in one transaction with the mailbox's new ``last_uid``; True if stored."""
    async with sessionmaker() as session:
        mailbox = await session.get_one(Mailbox, mailbox_id)
        received = read_mail(
            raw,
            own_address=mailbox.from_address,
            max_attachment=settings.mail_attachment_max_bytes,
        )
        try:
            mail = await do_receive_mail(
                session, mailbox, received, uid_validity=fetched.uid_validity, uid=uid, now=utcnow()
            )
            mailbox.uid_validity = fetched.uid_validity
            mailbox.last_uid = max(uid, mailbox.last_uid)
            await session.commit()
        except IntegrityError:  # another poll stored this UID meanwhile (a lease ran out)
            await session.rollback()
            return False
        return mail is not None


async def _poll_one(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailbox_id: int,
    lease_until: datetime,
) -> int:
    async with sessionmaker() as session:
        mailbox = await session.get_one(Mailbox, mailbox_id)
        server, last_uid, validity = (
            _imap(mailbox, settings),
            mailbox.last_uid,
            mailbox.uid_validity,
        )
        await session.commit()
    stored, error, more = 0, None, False
    try:
        fetched = await asyncio.to_thread(fetch_new, server, last_uid, validity, MAILS_PER_POLL)
    except MailboxFailed as exc:
        error = str(exc)
        log.warning("mailbox %s: polling failed: %s", mailbox_id, error)
    else:
        if fetched.uid_validity != validity:
            async with sessionmaker() as session:  # a new UIDVALIDITY: count from 0 again
                await session.execute(
                    update(Mailbox)
                    .where(Mailbox.id == mailbox_id)
                    .values(uid_validity=fetched.uid_validity, last_uid=0)
                )
                await session.commit()
        for uid, raw in fetched.mails:
            try:
                stored += await _store(sessionmaker, settings, mailbox_id, fetched, uid, raw)
            except Exception:  # one bad mail must not stop the mailbox for good
                log.exception("mailbox %s: could not store UID %s", mailbox_id, uid)
        more = fetched.more
    now = utcnow()
    wait = 0.0 if more else settings.mail_poll_seconds
    values = {
        "next_poll_at": now + timedelta(seconds=wait),
        "last_error": error[:MAX_ERROR] if error else None,
    }
    if error is None:
        values["last_polled_at"] = now
    async with sessionmaker() as session:
        await session.execute(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id, Mailbox.next_poll_at == lease_until)
            .values(**values)
        )
        await session.commit()
    JOB_ATTEMPTS.labels("mail_poll", "failed" if error else "polled").inc()
    return stored


async def poll_mailboxes(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> int:
    """Poll every active mailbox whose poll is due; returns how many mails were stored."""
    async with sessionmaker() as session:
        due = (
            await session.execute(
                select(Mailbox.id, Mailbox.next_poll_at)
                .where(Mailbox.active.is_(True), Mailbox.next_poll_at <= now)
                .order_by(Mailbox.next_poll_at)
                .limit(BATCH)
            )
        ).all()
    lease_until = now + timedelta(seconds=settings.worker_lease_seconds)
    stored = 0
    for mailbox_id, seen in due:
        if await take_turn(sessionmaker, Mailbox.next_poll_at, mailbox_id, seen, lease_until):
            stored += await _poll_one(sessionmaker, settings, mailbox_id, lease_until)
    return stored


# ---- sending -------------------------------------------------------------------------------


async def _requeue_stale(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    expired = utcnow() - timedelta(seconds=settings.worker_lease_seconds)
    stale = (Mail.state == MailState.SENDING, Mail.claimed_at < expired)
    async with sessionmaker() as session:
        if await any_row(session, Mail, *stale):
            await session.execute(
                update(Mail).where(*stale).values(state=MailState.QUEUED, claimed_at=None)
            )
            await session.commit()


async def _claim_mail(sessionmaker: async_sessionmaker[AsyncSession], mail_id: int) -> bool:
    async with sessionmaker() as session:
        result = await session.execute(
            update(Mail)
            .where(Mail.id == mail_id, Mail.state == MailState.QUEUED)
            .values(state=MailState.SENDING, claimed_at=utcnow())
        )
        await session.commit()
        return result.rowcount == 1


def _smtp(mailbox: Mailbox, settings: Settings) -> SmtpServer:
    return SmtpServer(
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        security=mailbox.smtp_security.value,
        username=mailbox.smtp_username,
        password=mailbox.smtp_password,
        timeout=settings.mail_timeout_seconds,
        ca_file=settings.mail_ca_file,
    )


async def _with_rating_link(session: AsyncSession, mail: Mail, settings: Settings) -> str:
    """A progress mail queued while its case was finished (resolved or closed), if the
    case is still finished and not rated, invites the shopper to rate it, before the
    signature. The link is added here, not when the mail is queued: the action that
    queues it (kefu.actions.case_mail) holds no Settings, and the link needs the server's
    public address and secret key. It is added at the first attempt only; each attempt
    stores the text it sent, so a retry sends that text again as it is."""
    if mail.attempts or mail.case_id is None:
        return mail.text_body
    case = await session.get(Case, mail.case_id)
    if case is None or case.status not in FINISHED:
        return mail.text_body
    finished = min((t for t in (case.resolved_at, case.closed_at) if t is not None), default=None)
    rated = await session.scalar(select(CaseRating.id).where(CaseRating.case_id == case.id))
    if rated is not None or finished is None or mail.created_at < finished:
        return mail.text_body
    shop = await session.get_one(Shop, mail.shop_id)
    link = case_rating_link(settings.effective_public_url, settings.secret_key, shop.id, case.id)
    words, _, signature = mail.text_body.rpartition("\n\n")
    return "\n\n".join(p for p in (words, rating_invitation(shop, link), signature) if p)


async def _text(session: AsyncSession, mail: Mail, settings: Settings) -> str:
    """A reply's own words (a progress mail's with the rating link when it is due); an
    automatic answer's or a rating request's, written now in the shop's language."""
    if mail.kind is MailKind.PROGRESS:
        return await _with_rating_link(session, mail, settings)
    if mail.kind is MailKind.RATING:
        shop = await session.get_one(Shop, mail.shop_id)
        link = conversation_rating_link(
            settings.effective_public_url, settings.secret_key, shop.id, mail.conversation_id or 0
        )
        return rating_request_text(shop, link)
    if mail.kind not in (MailKind.ACKNOWLEDGEMENT, MailKind.AUTO_REPLY):
        return mail.text_body
    shop = await session.get_one(Shop, mail.shop_id)
    number = await session.scalar(select(Case.number).where(Case.id == mail.case_id))
    return automatic_text(mail.kind, shop, number, await calendar_of(session, shop), utcnow())


async def _unsubscribe(session: AsyncSession, settings: Settings, mail: Mail) -> Unsubscribe | None:
    """A campaign mail's unsubscribe link, made as it is sent (the queueing code has no
    Settings at hand; see kefu.channels.email.replies)."""
    if mail.kind is not MailKind.CAMPAIGN or mail.customer_id is None:
        return None
    shop = await session.get_one(Shop, mail.shop_id)
    public = settings.effective_public_url
    customer = await session.get_one(Customer, mail.customer_id)
    url = unsubscribe_url(settings.secret_key, public, shop.id, customer.id, customer.external_id)
    return unsubscribe_footer(shop, url)


async def _send_one(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, mail_id: int
) -> bool:
    """Build and send one claimed mail with no transaction open while the server answers,
    then record the outcome."""
    async with sessionmaker() as session:
        mail = await session.get_one(Mail, mail_id)
        mailbox = await session.get_one(Mailbox, mail.mailbox_id)
        text = await _text(session, mail, settings)
        unsubscribe = await _unsubscribe(session, settings, mail)
        server = _smtp(mailbox, settings)
        await session.commit()
    error: str | None = None
    try:
        refused = await send_via(server, compose(mail, text, unsubscribe))
        if refused:
            error = f"refused by the server: {', '.join(refused)}"
    except MailFailed as exc:
        error = str(exc)
        log.warning("mail %s: sending failed: %s", mail_id, error)
    except ValueError as exc:  # a header the standard library refuses
        error = f"cannot be sent: {exc}"[:MAX_ERROR]
    sent = error is None or error.startswith("refused by the server")
    now = utcnow()
    values: dict[str, object] = {"attempts": mail.attempts + 1, "claimed_at": None}
    values["last_error"] = error
    values["text_body"] = text
    if sent:
        values |= {"state": MailState.SENT, "sent_at": now}
    elif mail.attempts + 1 >= settings.mail_max_attempts:
        values["state"] = MailState.FAILED
    else:
        wait = settings.mail_retry_base_seconds * 2**mail.attempts
        values |= {"state": MailState.QUEUED, "next_attempt_at": now + timedelta(seconds=wait)}
    async with sessionmaker() as session:
        await session.execute(
            update(Mail).where(Mail.id == mail_id, Mail.state == MailState.SENDING).values(**values)
        )
        await session.commit()
    outcome = "sent" if sent else str(values["state"])
    JOB_ATTEMPTS.labels("mail_send", "retry" if outcome == "queued" else outcome).inc()
    return sent


async def send_due_mails(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> int:
    """Send every queued mail that is due; returns how many went out."""
    await _requeue_stale(sessionmaker, settings)
    async with sessionmaker() as session:
        due = list(
            await session.scalars(
                select(Mail.id)
                .join(Mailbox, Mailbox.id == Mail.mailbox_id)
                .where(
                    Mail.state == MailState.QUEUED,
                    Mail.direction == MailDirection.OUT,
                    Mail.next_attempt_at <= now,
                    Mailbox.active.is_(True),  # a switched-off mailbox sends nothing
                )
                .order_by(Mail.id)
                .limit(BATCH)
            )
        )
    sent = 0
    for mail_id in due:
        if await _claim_mail(sessionmaker, mail_id):
            sent += await _send_one(sessionmaker, settings, mail_id)
    return sent
