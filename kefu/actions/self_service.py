"""The shopper's self-service after-sales request in the widget: a return, exchange or
refund for a line of their own delivered order, inside the shop's return window.

It opens the case through ``do_open_case`` like an agent would, so the evidence rules,
numbering, SLA clocks, timeline, audit and announcements are the same; only the checks of
who may ask for what are the shopper's own (kefu.queries.self_service)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor, Permission
from kefu.actions.base import lock_row
from kefu.actions.cases import do_open_case
from kefu.actions.checks import choice
from kefu.errors import Conflict, Invalid, NotFound
from kefu.lib.cases import MAX_PHOTOS, RETURN_REASONS, SELF_SERVICE_TYPES, CaseType
from kefu.models import Case, Conversation, ConversationStatus, Order, OrderLine, Upload
from kefu.models.base import utcnow
from kefu.queries.self_service import (
    delivered_at,
    line_refusal,
    lines_with_open_cases,
    linked_customer,
    return_window,
)

MAX_DETAIL = 1000
TYPE_LABELS = {CaseType.RETURN: "退货", CaseType.EXCHANGE: "换货", CaseType.REFUND_ONLY: "仅退款"}
REFUSALS = {
    "not_delivered": "this order has not been delivered yet",
    "outside_return_window": "the return window of {days} days after delivery has passed",
    "open_case": "an after-sales request for this item is already open",
}


async def _own_line(
    session: AsyncSession, visitor: Actor, customer_id: int, line_id: int
) -> OrderLine:
    """A line of the shopper's own order; anyone else's is not found."""
    line = await session.scalar(
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.id == line_id,
            OrderLine.shop_id == visitor.shop_id,
            Order.customer_id == customer_id,
        )
    )
    if line is None:
        raise NotFound("order line", field="order_line_id")
    return line


async def _own_photos(session: AsyncSession, visitor: Actor, ids: list[int]) -> list[int]:
    """Images the shopper uploaded in their own conversations (the widget's upload)."""
    if len(ids) > MAX_PHOTOS:
        raise Invalid(f"at most {MAX_PHOTOS} photos", field="photo_upload_ids")
    wanted = sorted(set(ids))
    found = await session.scalars(
        select(Upload.id)
        .join(Conversation, Conversation.id == Upload.conversation_id)
        .where(
            Upload.shop_id == visitor.shop_id,
            Upload.id.in_(wanted),
            Conversation.visitor_id == visitor.id,
        )
    )
    if len(list(found)) != len(wanted):
        raise NotFound("photo", field="photo_upload_ids")
    return wanted


async def _open_conversation(session: AsyncSession, visitor: Actor) -> int | None:
    """The visitor's latest conversation not closed: agents see the case beside the chat."""
    return await session.scalar(
        select(Conversation.id)
        .where(
            Conversation.shop_id == visitor.shop_id,
            Conversation.visitor_id == visitor.id,
            Conversation.status != ConversationStatus.CLOSED,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def _check_eligible(session: AsyncSession, visitor: Actor, line: OrderLine) -> None:
    """Refuse a line not delivered, past the shop's window, or already in an open case.
    The order's row is held first, so two requests for one line cannot both pass."""
    await lock_row(session, Order, line.order_id)
    order = await session.get_one(Order, line.order_id)
    window = await return_window(session, visitor)
    busy = await lines_with_open_cases(session, visitor.shop_id, [order.id])
    refusal = line_refusal(await delivered_at(session, order), window, utcnow(), line.id in busy)
    if refusal == "open_case":
        raise Conflict(REFUSALS[refusal], field="order_line_id", code=refusal)
    if refusal is not None:
        message = REFUSALS[refusal].format(days=window)
        raise Invalid(message, field="order_line_id", code=refusal)


async def do_request_after_sales(
    session: AsyncSession,
    visitor: Actor,
    *,
    order_line_id: int,
    type: Any,
    reason: Any,
    detail: str | None = None,
    photo_upload_ids: list[int] | None = None,
) -> Case:
    """Open the shopper's return / exchange / refund-only case for one line of their own
    delivered order, linked to their open conversation if they have one."""
    customer_id = await linked_customer(session, visitor)
    kind = choice(CaseType, type, "type")
    if kind not in SELF_SERVICE_TYPES:
        raise Invalid("ask for a return, an exchange or a refund", field="type")
    if reason not in RETURN_REASONS:
        raise Invalid(f"reason must be one of {', '.join(RETURN_REASONS)}", field="reason")
    line = await _own_line(session, visitor, customer_id, order_line_id)
    photos = await _own_photos(session, visitor, photo_upload_ids or [])
    await _check_eligible(session, visitor, line)
    description = RETURN_REASONS[reason]
    if detail and detail.strip():
        description += "\n" + detail.strip()
    # The shopper acts on their own line only (checked above): for this one opening they
    # may do what opening a case takes, and nothing else.
    opener = dataclasses.replace(
        visitor, permissions=frozenset({Permission.HANDLE_CASES, Permission.READ_SHOP_DATA})
    )
    return await do_open_case(
        session,
        opener,
        type=kind,
        title=f"{TYPE_LABELS[kind]}申请：{line.title}"[:200],
        description=description,
        evidence={"photo_upload_ids": photos} if photos else None,
        order_line_id=line.id,
        conversation_id=await _open_conversation(session, visitor),
    )
