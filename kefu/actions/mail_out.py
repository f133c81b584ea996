"""Queueing mail out (docs/email.md): an agent's reply in an e-mail conversation, and the
channel's automatic answers. A queued mail is a row written in the transaction of what it
carries; the worker sends it (kefu.worker.mail).

Threading headers are fixed when the mail is queued: it answers the newest mail the
shopper sent in the conversation (In-Reply-To), carries that mail's References plus its
Message-ID, and its subject carries the case tag ``[#C-<number>]`` so that a shopper's
answer finds the case even from a mail program that drops the headers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.actions.base import wake_jobs_on_commit
from kefu.events import Event, MessageCreated
from kefu.lib.mail import MAX_REFERENCES, reply_subject, tagged
from kefu.models import (
    Case,
    Channel,
    Conversation,
    Mail,
    Mailbox,
    MailDirection,
    MailKind,
    MailState,
    MessageKind,
    SenderKind,
)
from kefu.models.base import utcnow


def new_message_id(shop_id: int, from_address: str) -> str:
    """A Message-ID for a mail we send, in the shop's own domain (without the <>)."""
    domain = from_address.rpartition("@")[2] or "kefu.invalid"
    return f"{uuid.uuid4().hex}.{shop_id}@{domain}"


def queue_mail(
    session: Session,
    mailbox: Mailbox,
    kind: MailKind,
    *,
    to: str,
    subject: str,
    text: str,
    case_id: int | None = None,
    customer_id: int | None = None,
    conversation_id: int | None = None,
    answered: Mail | None = None,
    chat_message_id: int | None = None,
    now: datetime | None = None,
) -> Mail:
    """Queue a mail from the shop's mailbox to ``to``; the worker sends it on the commit.
    With ``answered`` (an earlier mail of the thread, in or out) it carries that mail's
    threading headers, so mail programs show it in the same thread."""
    references = (
        [*answered.reference_ids, answered.message_id][-MAX_REFERENCES:] if answered else []
    )
    mail = Mail(
        shop_id=mailbox.shop_id,
        mailbox_id=mailbox.id,
        direction=MailDirection.OUT,
        kind=kind,
        state=MailState.QUEUED,
        conversation_id=conversation_id,
        case_id=case_id,
        customer_id=customer_id,
        chat_message_id=chat_message_id,
        message_id=new_message_id(mailbox.shop_id, mailbox.from_address),
        in_reply_to=answered.message_id if answered else None,
        reference_ids=references,
        from_address=mailbox.from_address,
        from_name=mailbox.from_name,
        to_addresses=[to],
        subject=subject,
        text_body=text,
        notes=[],
        attempts=0,
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    session.add(mail)
    wake_jobs_on_commit(session)
    return mail


def queue_answer(
    session: Session,
    mailbox: Mailbox,
    answered: Mail,
    kind: MailKind,
    *,
    text: str = "",
    chat_message_id: int | None = None,
    now: datetime | None = None,
) -> Mail:
    """Queue a mail from the shop answering ``answered`` (a received mail). ``text`` is
    empty for an automatic answer: the worker writes it in the shop's language."""
    number = session.scalar(select(Case.number).where(Case.id == answered.case_id))
    subject = reply_subject(answered.subject or "")
    return queue_mail(
        session,
        mailbox,
        kind,
        to=answered.from_address,
        subject=tagged(subject, number) if number is not None else subject,
        text=text,
        case_id=answered.case_id,
        customer_id=answered.customer_id,
        conversation_id=answered.conversation_id,
        answered=answered,
        chat_message_id=chat_message_id,
        now=now,
    )


def enqueue_mail_reply(session: Session, event: Event) -> None:
    """An agent's text reply in an e-mail conversation goes out as a mail (called for
    every event written; the conversation is already loaded, so chats pay no query)."""
    if not isinstance(event, MessageCreated):
        return
    message = event.payload["message"]
    if message["sender_kind"] != SenderKind.AGENT.value or message["kind"] != MessageKind.TEXT:
        return
    conversation = session.get(Conversation, event.payload["conversation_id"])
    if conversation is None or conversation.channel is not Channel.EMAIL:
        return
    mailbox = session.scalar(select(Mailbox).where(Mailbox.shop_id == conversation.shop_id))
    answered = session.scalar(
        select(Mail)
        .where(Mail.conversation_id == conversation.id, Mail.direction == MailDirection.IN)
        .order_by(Mail.id.desc())
        .limit(1)
    )
    if mailbox is None or answered is None or "@" not in answered.from_address:
        return  # no mailbox (any more), or the shopper's data was erased: it stays in Kefu
    queue_answer(
        session,
        mailbox,
        answered,
        MailKind.REPLY,
        text=message["body"],
        chat_message_id=message["id"],
    )
