"""Receiving e-mail (docs/email.md): each mail the worker fetched becomes a shopper's
message in an e-mail conversation, tied to an after-sales case.

Threading, first match wins: a Message-ID the mail answers (In-Reply-To, then References
from the newest) that the shop holds, in or out → that mail's conversation and case; a
``[#C-<number>]`` tag in the subject → that case (and its e-mail conversation, if any);
else a new thread: a new e-mail conversation, routed like a chat, and a new after-sales
consultation case (售后咨询). A closed conversation is not reopened: the mail starts a
new one on the same case.

Idempotency: a mail is stored once per Message-ID in the shop (a mail without one is
named by its UIDVALIDITY and UID), and the message it becomes has a client_id derived
from it, so a retried poll stores nothing twice."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.cases import do_open_case
from kefu.actions.conversations import announce_message, start_routed
from kefu.actions.mail_out import queue_answer
from kefu.actions.messages import MAX_BODY, insert_message
from kefu.actions.routing import lock_routing
from kefu.lib.cases import CaseType
from kefu.lib.mail import ReceivedMail, case_number
from kefu.models import (
    Case,
    CaseSource,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerIdentity,
    Mail,
    MailAttachment,
    Mailbox,
    MailDirection,
    MailKind,
    MailState,
    MessageKind,
    SenderKind,
    Shop,
    Skill,
)
from kefu.queries.shops import calendar_of
from kefu.reports.chat_facts import shopper_wrote

EMAIL_CHANNEL = "email"
# Fixed namespace: the same mail always gives its message the same client_id.
_MAIL_MESSAGES = uuid.UUID("6f0e2a4c-3b1d-4c8e-9a57-2d6b8e1f0c93")
AUTOMATIC_KINDS = (MailKind.ACKNOWLEDGEMENT, MailKind.AUTO_REPLY)


async def _customer(
    session: AsyncSession, shop_id: int, address: str, name: str | None
) -> Customer:
    """The shop's customer writing from ``address``: by their e-mail identity, else the
    customer with that e-mail address (who gets the identity), else a new customer."""
    identity = await session.scalar(
        select(CustomerIdentity).where(
            CustomerIdentity.shop_id == shop_id,
            CustomerIdentity.channel == EMAIL_CHANNEL,
            CustomerIdentity.handle == address,
        )
    )
    if identity is not None:
        return await session.get_one(Customer, identity.customer_id)
    customer = await session.scalar(
        select(Customer)
        .where(Customer.shop_id == shop_id, Customer.email == address)
        .order_by(Customer.id)
        .limit(1)
    )
    if customer is None:
        customer = Customer(
            shop_id=shop_id,
            external_id=f"email:{address}"[:64],
            name=name,
            nickname=name,
            email=address,
            tags=[],
        )
        session.add(customer)
        await session.flush()
    session.add(
        CustomerIdentity(
            shop_id=shop_id, customer_id=customer.id, channel=EMAIL_CHANNEL, handle=address
        )
    )
    return customer


async def _answered(session: AsyncSession, shop_id: int, received: ReceivedMail) -> Mail | None:
    """The nearest mail of the shop this one answers, by its headers."""
    ids = received.thread_ids
    if not ids:
        return None
    rows = await session.scalars(
        select(Mail).where(Mail.shop_id == shop_id, Mail.message_id.in_(ids)).order_by(Mail.id)
    )
    by_id = {row.message_id: row for row in rows}
    return next((by_id[i] for i in ids if i in by_id), None)


async def _thread(
    session: AsyncSession, shop_id: int, received: ReceivedMail
) -> tuple[Case | None, Conversation | None]:
    """The case and the e-mail conversation this mail belongs to (either may be None)."""
    answered = await _answered(session, shop_id, received)
    case = conversation = None
    if answered is not None:
        if answered.case_id is not None:
            case = await session.get(Case, answered.case_id)
        if answered.conversation_id is not None:
            conversation = await session.get(Conversation, answered.conversation_id)
    else:
        number = case_number(received.subject)
        if number is not None:
            case = await session.scalar(
                select(Case).where(Case.shop_id == shop_id, Case.number == number)
            )
        if case is not None and case.conversation_id is not None:
            conversation = await session.get(Conversation, case.conversation_id)
    if conversation is not None and (
        conversation.channel is not Channel.EMAIL
        or conversation.status is ConversationStatus.CLOSED
    ):
        conversation = None  # a chat's case, or a closed thread: a new e-mail conversation
    return case, conversation


async def _automatic_today(
    session: AsyncSession, shop: Shop, conversation: Conversation, case: Case | None, now: datetime
) -> bool:
    """Whether an automatic answer already went to this thread on the shop's today."""
    calendar = await calendar_of(session, shop)
    local_day = now.astimezone(calendar.zone).date()
    day_start = datetime.combine(local_day, time(), tzinfo=calendar.zone)
    thread = Mail.conversation_id == conversation.id
    if case is not None:
        thread = or_(thread, Mail.case_id == case.id)
    found = await session.scalar(
        select(Mail.id)
        .where(
            Mail.shop_id == shop.id,
            Mail.direction == MailDirection.OUT,
            Mail.kind.in_(AUTOMATIC_KINDS),
            Mail.created_at >= day_start,
            thread,
        )
        .limit(1)
    )
    return found is not None


async def _answer_automatically(
    session: AsyncSession,
    mailbox: Mailbox,
    mail: Mail,
    received: ReceivedMail,
    *,
    new_thread: bool,
    now: datetime,
) -> None:
    """The acknowledgement of a new thread (with its case number), or the out-of-hours
    answer of a thread's later mail, at most one automatic answer per thread and shop
    day, and never to a mail the loop guards flag."""
    if received.automatic is not None:
        mail.notes = [*mail.notes, f"no automatic answer: {received.automatic}"]
        return
    if new_thread and not mailbox.acknowledge:
        return
    if not new_thread and not mailbox.auto_reply:
        return
    shop = await session.get_one(Shop, mailbox.shop_id)
    conversation = await session.get_one(Conversation, mail.conversation_id)
    case = await session.get(Case, mail.case_id) if mail.case_id else None
    if not new_thread and (await calendar_of(session, shop)).is_open(now):
        return
    if await _automatic_today(session, shop, conversation, case, now):
        return
    kind = MailKind.ACKNOWLEDGEMENT if new_thread else MailKind.AUTO_REPLY
    await session.run_sync(lambda s: queue_answer(s, mailbox, mail, kind, now=now))


def _message_body(received: ReceivedMail) -> str:
    text = received.text.strip() or received.subject.strip() or "(empty e-mail)"
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - 1] + "…"


async def do_receive_mail(
    session: AsyncSession,
    mailbox: Mailbox,
    received: ReceivedMail,
    *,
    uid_validity: int,
    uid: int,
    now: datetime,
) -> Mail | None:
    """Store one received mail in its thread; None when the shop already holds it."""
    shop_id = mailbox.shop_id
    if not received.message_id:
        received.message_id = f"uid-{uid_validity}-{uid}.{mailbox.id}@kefu.invalid"
    held = await session.scalar(
        select(Mail.id).where(Mail.shop_id == shop_id, Mail.message_id == received.message_id)
    )
    if held is not None:
        return None
    # Taken before any row is written (as the API channel does): two mails of one new
    # shopper polled at once make one customer, and the lock order holds.
    await lock_routing(session, shop_id)
    customer = await _customer(session, shop_id, received.from_address, received.from_name)
    case, conversation = await _thread(session, shop_id, received)
    new_thread = case is None and conversation is None
    if conversation is None:
        conversation = Conversation(
            shop_id=shop_id,
            channel=Channel.EMAIL,
            customer_id=customer.id,
            skill=Skill.AFTERSALE,
            tags=[],
        )
        conversation = await start_routed(session, conversation)
        if case is not None and case.conversation_id is None:
            case.conversation_id = conversation.id
    if case is None:
        case = await do_open_case(
            session,
            Actor.system(shop_id, "e-mail"),
            type=CaseType.CONSULTATION,
            title=(received.subject.strip() or received.from_address or "(no subject)")[:200],
            description=received.text[:4000] or None,
            source=CaseSource.EMAIL,
            conversation_id=conversation.id,
            customer_id=customer.id,
        )
    mail = Mail(
        shop_id=shop_id,
        mailbox_id=mailbox.id,
        direction=MailDirection.IN,
        kind=MailKind.RECEIVED,
        state=MailState.RECEIVED,
        conversation_id=conversation.id,
        case_id=case.id,
        customer_id=customer.id,
        uid_validity=uid_validity,
        uid=uid,
        message_id=received.message_id,
        in_reply_to=received.in_reply_to,
        reference_ids=received.references,
        from_address=received.from_address,
        from_name=received.from_name,
        to_addresses=received.to_addresses,
        subject=received.subject,
        text_body=received.text,
        html_body=received.html,
        notes=list(received.notes),
        attempts=0,
        created_at=now,
    )
    session.add(mail)
    await session.flush()
    attachments = [
        MailAttachment(
            shop_id=shop_id,
            mail_id=mail.id,
            filename=a.filename,
            content_type=a.content_type,
            size=len(a.content),
            content=a.content,
        )
        for a in received.attachments
    ]
    session.add_all(attachments)
    await session.flush()
    payload = {
        "email": {
            "mail_id": mail.id,
            "subject": received.subject,
            "from": received.from_address,
            "case_number": case.number,
            "attachments": [
                {"id": a.id, "filename": a.filename, "size": a.size, "content_type": a.content_type}
                for a in attachments
            ],
            "notes": list(received.notes),
        }
    }
    message = await session.run_sync(
        insert_message,
        {
            "shop_id": shop_id,
            "conversation_id": conversation.id,
            "sender_kind": SenderKind.VISITOR,
            "sender_id": None,
            "kind": MessageKind.TEXT,
            "body": _message_body(received),
            "payload": payload,
            "client_id": uuid.uuid5(_MAIL_MESSAGES, f"{shop_id}:{received.message_id}"),
            "created_at": now,
        },
    )
    if message is not None:
        mail.chat_message_id = message.id
        conversation.last_message_at = now
        shopper_wrote(conversation, now)
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
        await session.flush()
        await announce_message(session, conversation, message)
    await _answer_automatically(session, mailbox, mail, received, new_thread=new_thread, now=now)
    await session.flush()
    return mail
