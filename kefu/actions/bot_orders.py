"""The bot's answers from the shop's own orders and parcels: where is my order, when does
it ship, where is my parcel; a parcel that has not moved for the shop's ``stall_days``
gets one logistics case (never a second while one is open) and the shopper is told.

Whose orders: the customer the storefront signed for the visitor, and nobody else's;
an anonymous visitor names the order and proves it with the last four digits of its
phone (kefu.knowledge.tracking). Called by the bot's turn (kefu.actions.bot) under the
shop's routing lock, in the turn's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.base import lock_row
from kefu.actions.cases import do_open_case
from kefu.knowledge.tracking import (
    RETURN_INTENT,
    SAY_ASK_ORDER,
    SAY_NO_MATCH,
    SAY_NO_ORDERS,
    SHIPPED_NO_EVENT,
    Movement,
    Translate,
    join_lines,
    more_orders_line,
    order_line,
    order_numbers,
    parcel_line,
    phone_tail,
    return_line,
    stall_line,
    stalled_days,
    tail_matches,
)
from kefu.lib.cases import FINISHED, CaseType, case_settings
from kefu.models import (
    Case,
    Conversation,
    Customer,
    Message,
    MessageKind,
    Order,
    OrderStatus,
    SenderKind,
    Shipment,
    Shop,
    Visitor,
)
from kefu.models.base import utcnow
from kefu.queries.self_service import delivered_at


@dataclass(slots=True)
class OrderReply:
    """What the bot says about orders. ``found``: an order was answered about (an
    answer, not a miss); ``ask``: the bot asked for the order number and phone digits
    (the shopper's next message is read as the reply); ``first_ask``: it asked without
    having failed (no number given yet); ``payload`` goes to the message's
    ``payload.bot``."""

    text: str
    found: bool
    ask: bool = False
    payload: dict[str, Any] = field(default_factory=dict)
    first_ask: bool = False

    @property
    def miss(self) -> bool:
        """A failed answer (no such order of theirs): asking once for the number is none."""
        return not self.found and not self.first_ask


async def signed_customer(session: AsyncSession, conversation: Conversation) -> int | None:
    """The customer the storefront signed for this conversation's visitor, if any (an
    agent's link of a conversation to a customer proves nothing about who is typing)."""
    if conversation.visitor_id is None:
        return None
    return await session.scalar(
        select(Visitor.customer_id).where(
            Visitor.id == conversation.visitor_id, Visitor.shop_id == conversation.shop_id
        )
    )


async def bot_asked_for_order(session: AsyncSession, conversation: Conversation) -> bool:
    """Whether the bot's last words in this conversation asked for an order number."""
    payload = await session.scalar(
        select(Message.payload)
        .where(
            Message.conversation_id == conversation.id,
            Message.sender_kind == SenderKind.BOT,
            Message.kind == MessageKind.TEXT,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return bool(((payload or {}).get("bot") or {}).get("ask_order"))


async def names_an_order(session: AsyncSession, shop_id: int, text: str) -> bool:
    """Whether the message names one of the shop's order numbers (whoever's it is)."""
    numbers = order_numbers(text)
    if not numbers:
        return False
    found = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.shop_id == shop_id, Order.external_id.in_(numbers))
    )
    return bool(found)


async def _named(session: AsyncSession, shop_id: int, text: str) -> list[Order]:
    numbers = order_numbers(text)
    if not numbers:
        return []
    return list(
        await session.scalars(
            select(Order).where(Order.shop_id == shop_id, Order.external_id.in_(numbers))
        )
    )


async def _proven(session: AsyncSession, shop_id: int, text: str) -> Order | None:
    """The order an anonymous shopper named, if the phone digits they gave match it."""
    tail = phone_tail(text)
    for order in await _named(session, shop_id, text):
        customer_phone = None
        if order.customer_id is not None:
            customer = await session.get(Customer, order.customer_id)
            customer_phone = customer.phone if customer else None
        if tail_matches(tail, (order.address or {}).get("phone"), customer_phone):
            return order
    return None


async def _their_orders(
    session: AsyncSession, shop_id: int, customer_id: int, text: str
) -> tuple[Order | None, int]:
    """The signed-in shopper's order they named, else the newest still coming, else
    their newest; and how many others they have."""
    named = await _named(session, shop_id, text)
    theirs = [o for o in named if o.customer_id == customer_id]
    if named and not theirs:  # someone else's number: nothing to say about it
        return None, 0
    total = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.shop_id == shop_id, Order.customer_id == customer_id)
    )
    if theirs:
        return theirs[0], int(total or 0) - 1
    # "Where is my order" means the one still coming, if there is one: the newest paid or
    # shipped order before the newest of all (often a cancelled or delivered one).
    coming = Order.status.in_([OrderStatus.PAID, OrderStatus.SHIPPED])
    newest = await session.scalar(
        select(Order)
        .where(Order.shop_id == shop_id, Order.customer_id == customer_id)
        .order_by(coming.desc(), Order.placed_at.desc(), Order.id.desc())
        .limit(1)
    )
    return newest, max(int(total or 0) - 1, 0)


async def shopper_order(
    session: AsyncSession, conversation: Conversation, text: str
) -> tuple[Order | None, int, int | None]:
    """The order this shopper may hear about now (their named or newest one when signed
    in; the proven one when anonymous), the count of their other orders, and the signed
    customer's id (None when anonymous)."""
    customer_id = await signed_customer(session, conversation)
    if customer_id is not None:
        order, others = await _their_orders(session, conversation.shop_id, customer_id, text)
        return order, others, customer_id
    return await _proven(session, conversation.shop_id, text), 0, None


def _latest(shipment: Shipment, say: Translate) -> Movement | None:
    if shipment.events:
        last = shipment.events[-1]
        return Movement(last.at, last.location, last.description)
    if shipment.shipped_at is not None:
        return Movement(shipment.shipped_at, None, say(SHIPPED_NO_EVENT))
    return None


async def _open_delay_case(
    session: AsyncSession,
    actor: Any,
    conversation: Conversation,
    order: Order,
    shipment: Shipment,
    days: int,
) -> tuple[Case, bool]:
    """The order's open logistics case, or a new one: (case, opened now). The order's
    row is held first, so two turns (or an agent and the bot) never both open one."""
    await lock_row(session, Order, order.id)
    existing = await session.scalar(
        select(Case)
        .where(
            Case.shop_id == order.shop_id,
            Case.order_id == order.id,
            Case.type == CaseType.LOGISTICS,
            Case.status.not_in(FINISHED),
        )
        .order_by(Case.id)
        .limit(1)
    )
    if existing is not None:
        return existing, False
    case = await do_open_case(
        session,
        actor,
        type=CaseType.LOGISTICS,
        title=f"物流停滞：订单 {order.external_id}（{days} 天无物流更新）"[:200],
        description=(
            f"{shipment.carrier} {shipment.tracking_no} 已 {days} 天没有物流更新，"
            "顾客向智能客服询问物流时由机器人登记。请联系快递公司核实。"
        ),
        evidence={"tracking_no": shipment.tracking_no},
        order_id=order.id,
        conversation_id=conversation.id,
    )
    return case, True


async def order_reply(
    session: AsyncSession,
    actor: Any,
    conversation: Conversation,
    text: str,
    *,
    asked_before: bool,
    stall_days: int,
    say: Translate,
) -> OrderReply:
    """The bot's answer to a question about an order: its status, each parcel's latest
    movement, a logistics case for a stalled parcel; or a request for the order number
    and phone digits (an anonymous shopper), or "no such order" (a miss)."""
    order, others, customer_id = await shopper_order(session, conversation, text)
    if order is None:
        if customer_id is not None:
            return OrderReply(say(SAY_NO_ORDERS), found=False)
        first = not asked_before and not order_numbers(text)
        return OrderReply(
            say(SAY_ASK_ORDER if first else SAY_NO_MATCH),
            found=False,
            ask=True,
            payload={"ask_order": True},
            first_ask=first,
        )
    now = utcnow()
    lines = [order_line(order.external_id, order.status, say)]
    payload: dict[str, Any] = {"order": order.external_id}
    for shipment in await _parcels(session, order):
        latest = _latest(shipment, say)
        lines.append(
            parcel_line(shipment.carrier, shipment.tracking_no, shipment.delivered_at, latest, say)
        )
        days = stalled_days(shipment.status, latest and latest.at, now, stall_days)
        if days:
            case, opened = await _open_delay_case(
                session, actor, conversation, order, shipment, days
            )
            lines.append(stall_line(days, case.number, opened, say))
            payload |= {"stalled_days": days, "case_id": case.id, "case_opened": opened}
            break  # one case per order
    lines.append(more_orders_line(others, say))
    return OrderReply(join_lines(lines), found=True, payload=payload)


async def _parcels(session: AsyncSession, order: Order) -> list[Shipment]:
    """The order's parcels worth telling about: none while unpaid or once cancelled."""
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED):
        return []
    return list(
        await session.scalars(
            select(Shipment)
            .where(Shipment.shop_id == order.shop_id, Shipment.order_id == order.id)
            .order_by(Shipment.id)
        )
    )


async def order_facts(
    session: AsyncSession, shop_id: int, customer_id: int, text: str, say: Translate
) -> list[str]:
    """The bot's lines about the customer's order that ``text`` is about (the one it
    names, else the newest still coming, else the newest) and each parcel's latest
    movement, without the bot's side effects (no case is opened): what agent assist
    grounds an AI draft on. Empty when the customer has no such order."""
    order, _others = await _their_orders(session, shop_id, customer_id, text)
    if order is None:
        return []
    return [order_line(order.external_id, order.status, say)] + [
        parcel_line(p.carrier, p.tracking_no, p.delivered_at, _latest(p, say), say)
        for p in await _parcels(session, order)
    ]


async def _newest_delivered(session: AsyncSession, shop_id: int, customer_id: int) -> Order | None:
    return await session.scalar(
        select(Order)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            Shipment.delivered_at.is_not(None),
        )
        .order_by(Shipment.delivered_at.desc(), Order.id.desc())
        .limit(1)
    )


async def return_deadline(
    session: AsyncSession, conversation: Conversation, text: str, intent: str, say: Translate
) -> str | None:
    """For a question about returns (intent ``aftersale.return``): how many days the
    shopper has left to ask for a return of their latest delivered order (signed in) or
    of the order they proved (anonymous: number and phone digits), or that the window
    has passed. None when there is no such delivered order."""
    if intent != RETURN_INTENT:
        return None
    customer_id = await signed_customer(session, conversation)
    if customer_id is not None:
        order = await _newest_delivered(session, conversation.shop_id, customer_id)
    else:
        order = await _proven(session, conversation.shop_id, text)
    if order is None or order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return None
    arrived = await delivered_at(session, order)
    if arrived is None:
        return None
    shop = await session.get_one(Shop, conversation.shop_id)
    window = int(case_settings(shop.case_settings)["return_window_days"])
    return return_line(order.external_id, arrived, window, utcnow(), say)
