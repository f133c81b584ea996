"""A customer's personal data on request: a copy of all of it (PIPL art. 45, GDPR art.
15 and 20) and its erasure (PIPL art. 47, GDPR art. 17). Both are audited: who asked for
whose data and when, never the data itself.

What identifies or describes the person goes: profile fields, identities, what the
visitor typed into the widget, every message of their conversations (replaced by a
marker, pictures deleted with their files), their e-mails (addresses, subjects, bodies,
attachments), order addresses and notes, case texts and
evidence, campaign texts, and the audit log's copies of their rows. What the shop must
keep or that says nothing about the person stays: orders' amounts and lines (accounting),
conversation and case statuses, ratings' stars, report figures, RFM scores. The customer
row itself stays under an ``erased-<id>`` key, opted out of marketing, so foreign keys,
statistics and a later re-import by the shop's own id all keep working."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import record_audit, snapshot
from kefu.errors import Invalid
from kefu.lib.images import delete_stored
from kefu.models import (
    AuditEntry,
    CampaignMessage,
    Case,
    CaseEvent,
    CaseRating,
    Conversation,
    Customer,
    CustomerIdentity,
    Mail,
    MailAttachment,
    MailState,
    Message,
    MessageKind,
    NpsAnswer,
    Order,
    Shipment,
    StreamEvent,
    Upload,
    Visitor,
    WebhookDelivery,
)
from kefu.models.base import utcnow
from kefu.queries.access import fetch_owned

ERASED_TEXT = "〔内容已应顾客要求删除〕"
ERASED_AUDIT = {"erased": True}


@dataclass(slots=True)
class Erasure:
    """How much was erased, for the person who asked and for the audit log."""

    customer_id: int
    conversations: int = 0
    messages: int = 0
    pictures: int = 0
    orders: int = 0
    cases: int = 0
    replay_rows: int = 0
    mails: int = 0


def _mentions(payload: Any, conversation_ids: set[int]) -> bool:
    """Whether an event payload speaks of one of the conversations (its id under
    ``conversation_id`` or as the ``id`` of a ``conversation`` object, at any depth)."""
    if isinstance(payload, dict):
        if payload.get("conversation_id") in conversation_ids:
            return True
        nested = payload.get("conversation")
        if isinstance(nested, dict) and nested.get("id") in conversation_ids:
            return True
        return any(_mentions(v, conversation_ids) for v in payload.values())
    if isinstance(payload, list):
        return any(_mentions(v, conversation_ids) for v in payload)
    return False


async def customer_conversation_ids(
    session: AsyncSession, shop_id: int, customer_id: int
) -> list[int]:
    """The customer's conversations: linked to them, or held by a visitor linked to them."""
    visitors = select(Visitor.id).where(
        Visitor.shop_id == shop_id, Visitor.customer_id == customer_id
    )
    rows = await session.scalars(
        select(Conversation.id).where(
            Conversation.shop_id == shop_id,
            or_(Conversation.customer_id == customer_id, Conversation.visitor_id.in_(visitors)),
        )
    )
    return list(rows)


async def _erase_conversations(
    session: AsyncSession, shop_id: int, ids: list[int], data_dir: Path, erasure: Erasure
) -> None:
    if not ids:
        return
    erasure.conversations = len(ids)
    await session.execute(
        update(Conversation)
        .where(Conversation.id.in_(ids))
        .values(summary=None, rating_comment=None, verification=None)
    )
    result = await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(ids))
        .values(body=ERASED_TEXT, payload=None)
    )
    erasure.messages = result.rowcount
    uploads = (await session.scalars(select(Upload).where(Upload.conversation_id.in_(ids)))).all()
    delete_stored(data_dir, shop_id, [upload.stored_name for upload in uploads])
    for upload in uploads:
        await session.delete(upload)
    erasure.pictures = len(uploads)


async def _erase_mails(
    session: AsyncSession,
    shop_id: int,
    customer_id: int,
    conversation_ids: list[int],
    erasure: Erasure,
) -> None:
    """The e-mails to and from the person: addresses, subjects, bodies and attachments
    go (the rows stay, so threading by Message-ID keeps working); a mail still queued to
    them is never sent."""
    where = [Mail.customer_id == customer_id]
    if conversation_ids:
        where.append(Mail.conversation_id.in_(conversation_ids))
    mail_ids = list(
        await session.scalars(select(Mail.id).where(Mail.shop_id == shop_id, or_(*where)))
    )
    if not mail_ids:
        return
    await session.execute(delete(MailAttachment).where(MailAttachment.mail_id.in_(mail_ids)))
    await session.execute(
        update(Mail)
        .where(Mail.id.in_(mail_ids), Mail.state.in_([MailState.QUEUED, MailState.SENDING]))
        .values(state=MailState.FAILED, last_error="the customer's data was erased")
    )
    await session.execute(
        update(Mail)
        .where(Mail.id.in_(mail_ids))
        .values(
            from_address="erased",
            from_name=None,
            to_addresses=[],
            subject=ERASED_TEXT,
            text_body=ERASED_TEXT,
            html_body=None,
            notes=[],
        )
    )
    erasure.mails = len(mail_ids)


async def _erase_replay_copies(
    session: AsyncSession, shop_id: int, ids: list[int], erasure: Erasure
) -> None:
    """Realtime replay rows and pending webhook deliveries carry copies of messages;
    only rows written since the customer's first conversation began are read."""
    wanted = set(ids)
    if not wanted:
        return
    since = await session.scalar(
        select(func.min(Conversation.created_at)).where(Conversation.id.in_(ids))
    )
    for model in (StreamEvent, WebhookDelivery):
        rows = await session.execute(
            select(model.id, model.payload).where(
                model.shop_id == shop_id, model.created_at >= since
            )
        )
        doomed = [row_id for row_id, payload in rows.all() if _mentions(payload, wanted)]
        if doomed:
            await session.execute(delete(model).where(model.id.in_(doomed)))
        erasure.replay_rows += len(doomed)


async def _erase_records(
    session: AsyncSession, shop_id: int, customer_id: int, erasure: Erasure
) -> list[int]:
    """Order addresses and notes, case texts, campaign texts; returns the order ids."""
    order_ids = list(
        await session.scalars(
            select(Order.id).where(Order.shop_id == shop_id, Order.customer_id == customer_id)
        )
    )
    if order_ids:
        await session.execute(
            update(Order).where(Order.id.in_(order_ids)).values(address=None, note=None)
        )
    erasure.orders = len(order_ids)
    case_ids = list(
        await session.scalars(
            select(Case.id).where(Case.shop_id == shop_id, Case.customer_id == customer_id)
        )
    )
    if case_ids:
        await session.execute(
            update(Case)
            .where(Case.id.in_(case_ids))
            .values(description=None, evidence={}, custom_fields={}, outcome_note=None)
        )
        await session.execute(
            update(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).values(body=None)
        )
        await session.execute(
            update(CaseRating).where(CaseRating.case_id.in_(case_ids)).values(comment=None)
        )
    erasure.cases = len(case_ids)
    await session.execute(
        update(CampaignMessage)
        .where(CampaignMessage.customer_id == customer_id)
        .values(body=ERASED_TEXT)
    )
    await session.execute(
        update(NpsAnswer).where(NpsAnswer.customer_id == customer_id).values(comment=None)
    )
    return order_ids


async def _erase_audit_copies(
    session: AsyncSession, shop_id: int, customer_id: int, order_ids: list[int]
) -> None:
    """The audit log keeps who did what; the row snapshots it holds of the person go
    (their cases' too: an opened case's description, a follow-up's outcome note)."""
    case_ids = list(
        await session.scalars(
            select(Case.id).where(Case.shop_id == shop_id, Case.customer_id == customer_id)
        )
    )
    targets = [("customer", [customer_id]), ("order", order_ids), ("case", case_ids)]
    for entity, ids in targets:
        if ids:
            await session.execute(
                update(AuditEntry)
                .where(
                    AuditEntry.shop_id == shop_id,
                    AuditEntry.entity == entity,
                    AuditEntry.entity_id.in_([str(i) for i in ids]),
                )
                .values(before=ERASED_AUDIT, after=ERASED_AUDIT)
            )


async def _owned_customer(session: AsyncSession, actor: Actor, customer_id: int) -> Customer:
    """The customer, if of the actor's shop (404 otherwise) and if the actor may handle
    personal-data requests (owners; 403 otherwise)."""
    return await fetch_owned(
        session,
        actor,
        Customer,
        customer_id,
        "customer",
        permission=Permission.MANAGE_PERSONAL_DATA,
    )


async def do_erase_customer(
    session: AsyncSession,
    actor: Actor,
    customer_id: int,
    confirm_external_id: str,
    data_dir: Path,
) -> Erasure:
    """Erase the customer's personal data (see the module's docstring) once the caller
    has typed the customer's external id again: erasure cannot be undone. Files are
    deleted before the commit: a failed commit leaves texts that point at no picture,
    never a picture that should be gone."""
    customer = await _owned_customer(session, actor, customer_id)
    if confirm_external_id != customer.external_id:
        raise Invalid(
            "type the customer's external id to confirm the erasure", field="confirm_external_id"
        )
    shop_id = actor.shop_id
    erasure = Erasure(customer_id)
    conversation_ids = await customer_conversation_ids(session, shop_id, customer_id)
    await _erase_conversations(session, shop_id, conversation_ids, data_dir, erasure)
    await _erase_replay_copies(session, shop_id, conversation_ids, erasure)
    await _erase_mails(session, shop_id, customer_id, conversation_ids, erasure)
    order_ids = await _erase_records(session, shop_id, customer_id, erasure)
    await session.execute(
        update(Visitor)
        .where(Visitor.shop_id == shop_id, Visitor.customer_id == customer_id)
        .values(
            display_name=None, contact=None, user_agent=None, current_page=None, page_title=None
        )
    )
    await session.execute(
        delete(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
    )
    await _erase_audit_copies(session, shop_id, customer_id, order_ids)
    for field in (
        "name",
        "nickname",
        "phone",
        "email",
        "country",
        "birthday",
        "member_level",
        "note",
    ):
        setattr(customer, field, None)
    customer.tags = []
    customer.external_id = f"erased-{customer.id}"
    customer.opted_out_at = customer.opted_out_at or utcnow()
    record_audit(session, actor, "customer.erase", "customer", customer_id, after=asdict(erasure))
    return erasure


async def _rows(session: AsyncSession, model: type[Any], *where: Any) -> list[dict[str, Any]]:
    found = await session.scalars(select(model).where(*where).order_by(model.id))
    return [snapshot(row) for row in found]


async def _with_children(
    session: AsyncSession, model: type[Any], children: str, *where: Any
) -> list[dict[str, Any]]:
    """Rows with their child rows (order lines, tracking events), which the models load
    with one ``selectin`` query for all of them, not one query per row."""
    found = await session.scalars(select(model).where(*where).order_by(model.id))
    return [
        snapshot(row) | {children: [snapshot(child) for child in getattr(row, children)]}
        for row in found
    ]


async def do_export_customer(
    session: AsyncSession, actor: Actor, customer_id: int
) -> dict[str, Any]:
    """Everything the shop holds about the customer, unmasked, as one JSON document."""
    customer = await _owned_customer(session, actor, customer_id)
    shop_id = actor.shop_id
    conversation_ids = await customer_conversation_ids(session, shop_id, customer_id)
    orders = await _with_children(
        session, Order, "lines", Order.shop_id == shop_id, Order.customer_id == customer_id
    )
    shipments = await _with_children(
        session, Shipment, "events", Shipment.order_id.in_([o["id"] for o in orders])
    )
    document = {
        "customer": snapshot(customer),
        "identities": await _rows(
            session, CustomerIdentity, CustomerIdentity.customer_id == customer_id
        ),
        "visitors": await _rows(
            session, Visitor, Visitor.shop_id == shop_id, Visitor.customer_id == customer_id
        ),
        "orders": orders,
        "shipments": shipments,
        "conversations": await _rows(session, Conversation, Conversation.id.in_(conversation_ids)),
        "messages": await _rows(
            session,
            Message,
            Message.conversation_id.in_(conversation_ids),
            Message.kind != MessageKind.NOTE,
        ),
        "cases": await _rows(
            session, Case, Case.shop_id == shop_id, Case.customer_id == customer_id
        ),
        "case_ratings": await _rows(
            session,
            CaseRating,
            CaseRating.case_id.in_(
                select(Case.id).where(Case.shop_id == shop_id, Case.customer_id == customer_id)
            ),
        ),
        "campaign_messages": await _rows(
            session, CampaignMessage, CampaignMessage.customer_id == customer_id
        ),
        "nps_answers": await _rows(session, NpsAnswer, NpsAnswer.customer_id == customer_id),
        "mails": await _rows(
            session, Mail, Mail.shop_id == shop_id, Mail.customer_id == customer_id
        ),
    }
    record_audit(session, actor, "customer.export", "customer", customer_id)
    return document
