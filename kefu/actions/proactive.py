"""Proactive exceptions (主动异常, docs/cases.md#proactive-exceptions): the worker's rules
on the shop's own data that open an after-sales case and tell the shopper before they
complain. The rules and their settings are in kefu.lib.proactive.

- ``stalled``: a shipment on its way whose last tracking event (or, with none, its
  shipping time) is ``threshold`` days old or more → a logistics case;
- ``late``: an order paid or shipped, not delivered, whose promised delivery time
  (``Order.promised_at``) passed ``threshold`` hours ago → a logistics case (a
  consultation case when no parcel was shipped yet: no tracking number to follow);
  neither fires while the order has an unfinished logistics case (the shopper already
  asked: the bot or an agent opened one);
- ``out_of_stock``: a paid order not shipped yet with a product whose stock is at or
  below ``threshold`` → a consultation case about the line (wait for stock or refund);
- ``price_error``: an order paid or awaiting payment with a line whose unit price is
  below ``threshold`` % of the product's price → a high-priority consultation case for
  the shop to review, and by default no notice to the shopper.

Idempotency: before anything else a rule that fires inserts its ``ProactiveException``
row with ``INSERT … ON CONFLICT DO NOTHING``; the unique (shop, rule, subject) key lets
one transaction through and the other (a second worker, a later round) does nothing.
So each rule opens one case per order or shipment, ever, even after the case closed.

The notice goes to the shopper's widget conversation (their open one, or a new one for
the visitor the storefront signed in as the customer most recently) as a system
message; a customer never seen in the widget gets the case but no widget notice. A
customer with an e-mail address also gets it by mail when the shop's mailbox is active
(subject tagged with the case number, so an answer lands on the case)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor
from kefu.actions.cases import do_open_case
from kefu.actions.conversations import announce_message, start_routed
from kefu.actions.mail_out import queue_mail
from kefu.actions.messages import insert_message
from kefu.actions.routing import lock_routing
from kefu.knowledge.tracking import ON_THE_WAY
from kefu.lib.cases import FINISHED, CasePriority, CaseType
from kefu.lib.mail import tagged
from kefu.lib.phrases import fill_or_drop
from kefu.lib.proactive import SPECS, Rule, proactive_settings
from kefu.models import (
    Case,
    Channel,
    Conversation,
    Customer,
    Mailbox,
    MailKind,
    MessageKind,
    Order,
    OrderLine,
    OrderStatus,
    ProactiveException,
    Product,
    SenderKind,
    Shipment,
    Shop,
    Skill,
    TrackingEvent,
    Visitor,
)
from kefu.models.cases import CaseSource
from kefu.queries.conversations import open_conversation_of

log = logging.getLogger(__name__)
# Fixed namespace: a rule's notice about a subject always has the same client_id.
_NOTICES = uuid.UUID("0b7d3c51-2f4e-4d0a-8a61-7c9e5b2d4f18")
BATCH = 200  # subjects per rule and shop per round; the next round takes the rest
ACTOR_LABEL = "主动异常"


@dataclass(frozen=True, slots=True)
class Subject:
    """What a rule fired on: the row it is about (a shipment for stalled parcels, else
    the order) and what the case and the notice say."""

    subject_id: int
    order_id: int
    title: str
    description: str
    tracking_no: str | None = None
    order_line_id: int | None = None
    product: str | None = None


Finder = Callable[[AsyncSession, int, int, datetime], Awaitable[list[Subject]]]


def _not_fired(shop_id: int, rule: Rule, subject: Any) -> Any:
    return ~exists().where(
        ProactiveException.shop_id == shop_id,
        ProactiveException.rule == rule.value,
        ProactiveException.subject_id == subject,
    )


def _no_open_logistics_case(order_id: Any) -> Any:
    """The order has no unfinished logistics case: a shopper who already asked (the bot
    or an agent opened one) is being helped, and a second case would only split it."""
    return ~exists().where(
        Case.order_id == order_id,
        Case.type == CaseType.LOGISTICS,
        Case.status.not_in(FINISHED),
    )


async def _stalled(session: AsyncSession, shop_id: int, days: int, now: datetime) -> list[Subject]:
    last_event = (
        select(TrackingEvent.shipment_id, func.max(TrackingEvent.at).label("at"))
        .where(TrackingEvent.shop_id == shop_id)
        .group_by(TrackingEvent.shipment_id)
        .subquery()
    )
    moved = func.coalesce(last_event.c.at, Shipment.shipped_at)
    rows = await session.execute(
        select(Shipment, Order.external_id, moved)
        .join(Order, Order.id == Shipment.order_id)
        .outerjoin(last_event, last_event.c.shipment_id == Shipment.id)
        .where(Shipment.shop_id == shop_id, Shipment.status.in_(ON_THE_WAY))
        .where(Shipment.delivered_at.is_(None), moved <= now - timedelta(days=days))
        .where(Order.status.not_in((OrderStatus.CANCELLED, OrderStatus.REFUNDED)))
        .where(_not_fired(shop_id, Rule.STALLED, Shipment.id))
        .where(_no_open_logistics_case(Order.id))
        .order_by(Shipment.id)
        .limit(BATCH)
    )
    found = []
    for shipment, number, last in rows.all():
        quiet = (now - last).days
        found.append(
            Subject(
                shipment.id,
                shipment.order_id,
                f"主动预警：物流停滞，订单 {number}（{quiet} 天无物流更新）",
                f"{shipment.carrier} {shipment.tracking_no} 已 {quiet} 天没有物流更新"
                f"（规则：{days} 天）。系统已主动通知顾客，请联系快递公司核实。",
                tracking_no=shipment.tracking_no,
            )
        )
    return found


async def _late(session: AsyncSession, shop_id: int, hours: int, now: datetime) -> list[Subject]:
    delivered = exists().where(Shipment.order_id == Order.id, Shipment.delivered_at.is_not(None))
    orders = (
        await session.scalars(
            select(Order)
            .where(Order.shop_id == shop_id, Order.promised_at.is_not(None))
            .where(Order.status.in_((OrderStatus.PAID, OrderStatus.SHIPPED)))
            .where(Order.promised_at <= now - timedelta(hours=hours), ~delivered)
            .where(_not_fired(shop_id, Rule.LATE, Order.id))
            .where(_no_open_logistics_case(Order.id))
            .order_by(Order.id)
            .limit(BATCH)
        )
    ).all()
    parcels: dict[int, Shipment] = {}  # each order's newest parcel, in one query
    for shipment in await session.scalars(
        select(Shipment)
        .where(Shipment.shop_id == shop_id, Shipment.order_id.in_([o.id for o in orders]))
        .order_by(Shipment.id)
    ):
        parcels[shipment.order_id] = shipment
    found = []
    for order in orders:
        parcel = parcels.get(order.id)
        promised = order.promised_at.isoformat(timespec="minutes") if order.promised_at else ""
        where = f"{parcel.carrier} {parcel.tracking_no}" if parcel else "尚未发货"
        found.append(
            Subject(
                order.id,
                order.id,
                f"主动预警：超时未送达，订单 {order.external_id}",
                f"订单承诺 {promised} 前送达，至今未签收（{where}）。系统已主动通知顾客。",
                tracking_no=parcel.tracking_no if parcel else None,
            )
        )
    return found


async def _first_lines(
    session: AsyncSession, shop_id: int, rule: Rule, value: Any, *conditions: Any
) -> list[tuple[Order, OrderLine, int]]:
    """Per order the rule has not fired on, its first line meeting ``conditions`` (on
    the order, the line and its product), with the product's ``value``: one case per
    order, about that line."""
    rows = await session.execute(
        select(Order, OrderLine, value)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(Order.shop_id == shop_id, *conditions)
        .where(_not_fired(shop_id, rule, Order.id))
        .order_by(Order.id, OrderLine.line_no)
        .limit(BATCH)
    )
    first: dict[int, tuple[Order, OrderLine, int]] = {}
    for order, line, number in rows.all():
        first.setdefault(order.id, (order, line, number))
    return list(first.values())


async def _out_of_stock(
    session: AsyncSession, shop_id: int, stock: int, now: datetime
) -> list[Subject]:
    paid = Order.status == OrderStatus.PAID
    rows = await _first_lines(
        session, shop_id, Rule.OUT_OF_STOCK, Product.stock, paid, Product.stock <= stock
    )
    return [
        Subject(
            order.id,
            order.id,
            f"主动预警：付款后缺货，订单 {order.external_id}",
            f"「{line.title}」（{line.sku}）库存 {left}，订单已付款未发货。"
            "系统已主动通知顾客，请确认补货时间，或为顾客办理退款。",
            order_line_id=line.id,
            product=line.title,
        )
        for order, line, left in rows
    ]


async def _price_error(
    session: AsyncSession, shop_id: int, percent: int, now: datetime
) -> list[Subject]:
    unpaid_or_paid = Order.status.in_((OrderStatus.PENDING_PAYMENT, OrderStatus.PAID))
    below = OrderLine.unit_price_cents * 100 < Product.price_cents * percent
    rows = await _first_lines(
        session, shop_id, Rule.PRICE_ERROR, Product.price_cents, unpaid_or_paid, below
    )
    return [
        Subject(
            order.id,
            order.id,
            f"主动预警：疑似价格错误，订单 {order.external_id}",
            f"「{line.title}」（{line.sku}）成交单价 {line.unit_price_cents / 100:.2f} 元，"
            f"商品现价 {price / 100:.2f} 元，低于现价的 {percent}%。请在发货前核实。",
            order_line_id=line.id,
            product=line.title,
        )
        for order, line, price in rows
    ]


FINDERS: dict[Rule, Finder] = {
    Rule.STALLED: _stalled,
    Rule.LATE: _late,
    Rule.OUT_OF_STOCK: _out_of_stock,
    Rule.PRICE_ERROR: _price_error,
}


async def _claim(session: AsyncSession, shop_id: int, rule: Rule, subject_id: int) -> int | None:
    """Insert the rule's row for the subject: its id, or None when it fired before (or
    another worker's transaction holds it; that one opens the case)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ProactiveException.__table__
    statement = (
        insert(table)
        .values(shop_id=shop_id, rule=rule.value, subject_id=subject_id, noticed=False)
        .on_conflict_do_nothing(index_elements=["shop_id", "rule", "subject_id"])
        .returning(table.c.id)
    )
    return (await session.execute(statement)).scalar()


def _case_type(rule: Rule, subject: Subject) -> CaseType:
    kind = SPECS[rule].case_type
    if kind is CaseType.LOGISTICS and not subject.tracking_no:
        return CaseType.CONSULTATION  # late but never shipped: no parcel to chase
    return kind


async def fire(
    session: AsyncSession,
    shop_id: int,
    rule: Rule,
    subject: Subject,
    settings: dict[str, Any],
    now: datetime,
) -> bool:
    """Open the rule's case about ``subject`` and send its notice, unless the rule fired
    on it before; True when it fired now. The caller commits."""
    claimed = await _claim(session, shop_id, rule, subject.subject_id)
    if claimed is None:
        return False
    # Before the case takes its number (the shop's row): a chat's bot turn and a received
    # mail take the routing lock first too, and a new conversation for the notice needs it.
    await lock_routing(session, shop_id)
    order = await session.get_one(Order, subject.order_id)
    kind = _case_type(rule, subject)
    case = await do_open_case(
        session,
        Actor.system(shop_id, ACTOR_LABEL),
        type=kind,
        title=subject.title[:200],
        description=subject.description,
        priority=CasePriority.HIGH if rule is Rule.PRICE_ERROR else CasePriority.NORMAL,
        evidence={"tracking_no": subject.tracking_no} if kind is CaseType.LOGISTICS else None,
        source=CaseSource.PROACTIVE,
        order_id=order.id,
        order_line_id=subject.order_line_id,
    )
    row = await session.get_one(ProactiveException, claimed)
    row.case_id = case.id
    customer = order.customer_id and await session.get(Customer, order.customer_id)
    if customer and settings["notice"]:
        values = {
            "客户昵称": customer.nickname or customer.name or "亲",
            "订单号": order.external_id,
            "物流单号": subject.tracking_no,
            "商品名": subject.product,
        }
        text = fill_or_drop(settings["notice"], values).strip()
        conversation = await _widget_conversation(session, customer, now) if text else None
        if conversation is not None:
            await _notify(session, conversation, text, rule, subject, case.number, now)
            row.noticed = True
            if case.conversation_id is None:
                case.conversation_id = conversation.id
        if text and await _mail(session, customer, order, case, text, now):
            row.noticed = True
    await session.flush()
    return True


async def _widget_conversation(
    session: AsyncSession, customer: Customer, now: datetime
) -> Conversation | None:
    """The conversation the shopper sees in the widget: the open one of the visitor the
    storefront signed in as this customer most recently, or a new after-sales one for
    that visitor (routed like a chat); None for a customer never seen in the widget."""
    visitor = await session.scalar(
        select(Visitor)
        .where(Visitor.shop_id == customer.shop_id, Visitor.customer_id == customer.id)
        .order_by(Visitor.id.desc())
        .limit(1)
    )
    if visitor is None:
        return None
    existing = await open_conversation_of(session, visitor)
    if existing is not None:
        return existing
    conversation = Conversation(
        shop_id=customer.shop_id,
        channel=Channel.WEB,
        visitor_id=visitor.id,
        customer_id=customer.id,
        skill=Skill.AFTERSALE,
        tags=[],
    )
    return await start_routed(session, conversation)


async def _notify(
    session: AsyncSession,
    conversation: Conversation,
    text: str,
    rule: Rule,
    subject: Subject,
    case_number: int,
    now: datetime,
) -> None:
    """The notice as a system message in the conversation, told to both sides."""
    message = await session.run_sync(
        insert_message,
        {
            "shop_id": conversation.shop_id,
            "conversation_id": conversation.id,
            "sender_kind": SenderKind.SYSTEM,
            "sender_id": None,
            "kind": MessageKind.TEXT,
            "body": text,
            "payload": {"proactive": {"rule": rule.value, "case_number": case_number}},
            "client_id": uuid.uuid5(
                _NOTICES, f"{conversation.shop_id}:{rule.value}:{subject.subject_id}"
            ),
            "created_at": now,
        },
    )
    if message is not None:
        conversation.last_message_at = now
        await session.flush()
        await announce_message(session, conversation, message)


async def _mail(
    session: AsyncSession, customer: Customer, order: Order, case: Any, text: str, now: datetime
) -> bool:
    """Queue the notice as a mail to the customer's address through the shop's active
    mailbox (the worker sends it, kefu.worker.mail); False when there is none of either."""
    if not customer.email or "@" not in customer.email:
        return False
    mailbox = await session.scalar(
        select(Mailbox).where(Mailbox.shop_id == customer.shop_id, Mailbox.active.is_(True))
    )
    if mailbox is None:
        return False
    await session.run_sync(
        lambda sync: queue_mail(
            sync,
            mailbox,
            MailKind.NOTICE,
            to=customer.email,
            subject=tagged(f"关于您的订单 {order.external_id}", case.number),
            text=text,
            case_id=case.id,
            customer_id=customer.id,
            now=now,
        )
    )
    return True


async def run_shop_rules(
    sessionmaker: async_sessionmaker[AsyncSession], shop_id: int, now: datetime
) -> int:
    """Every enabled rule of one shop, each subject in its own transaction (a failure
    leaves the others done); returns how many cases were opened."""
    async with sessionmaker() as session:
        stored = await session.scalar(select(Shop.case_settings).where(Shop.id == shop_id))
    settings = proactive_settings(stored or {})
    opened = 0
    for rule in Rule:
        conf = settings[rule.value]
        if not conf["enabled"]:
            continue
        async with sessionmaker() as session:
            subjects = await FINDERS[rule](session, shop_id, int(conf["threshold"]), now)
        for subject in subjects:
            async with sessionmaker() as session:
                try:
                    fired = await fire(session, shop_id, rule, subject, conf, now)
                    await session.commit()
                except Exception:  # one bad row must not stop the shop's other rules
                    await session.rollback()
                    log.exception("proactive rule %s on %s failed", rule, subject.subject_id)
                    continue
            opened += fired
    return opened


async def run_proactive_rules(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """The worker's round over every shop; safe with several workers at once."""
    async with sessionmaker() as session:
        shop_ids = list(await session.scalars(select(Shop.id).order_by(Shop.id)))
    opened = 0
    for shop_id in shop_ids:
        opened += await run_shop_rules(sessionmaker, shop_id, now)
    return opened
