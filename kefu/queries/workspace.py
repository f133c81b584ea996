"""The agent workspace's reads: the conversation list with unread counts, previews and
search, the customer panel beside a conversation, and the quick phrases at hand.

Search: the query is split into words by jieba (see ``kefu.lib.segment`` for why) and a
conversation matches when one of its messages contains every word."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kefu.access import Actor, Permission
from kefu.errors import Invalid
from kefu.lib import segment
from kefu.lib.phrases import fill
from kefu.lib.segment import search_terms
from kefu.models import (
    Channel,
    Conversation,
    ConversationRead,
    ConversationStatus,
    Customer,
    Message,
    MessageKind,
    Order,
    QuickPhrase,
    SenderKind,
    Shipment,
    Skill,
    Visitor,
)
from kefu.models.base import utcnow
from kefu.models.quality import Emotion
from kefu.queries.contact import mask_customers, mask_orders
from kefu.queries.conversations import View, get_conversation, view_filter
from kefu.queries.pagination import Page, paginate

PANEL_ORDERS = 5
PAST_CONVERSATIONS = 5
PREVIEW = 60


@dataclass(slots=True)
class InboxRow:
    """One line of the conversation list."""

    conversation: Conversation
    name: str
    unread: int
    preview: str | None
    preview_kind: str | None
    waiting_since: Any | None = None  # the first unanswered visitor message, if waiting


@dataclass(slots=True)
class InboxFilters:
    view: View = View.ALL
    status: ConversationStatus | None = None
    channel: Channel | None = None
    skill: Skill | None = None
    tag: str | None = None
    q: str | None = None
    emotion: Emotion | None = None  # the shopper's colour (三色法则)


def _matching_messages(actor: Actor, q: str) -> Any:
    """Conversation ids with a message containing every word of ``q``."""
    terms = search_terms(q)
    if not terms:
        raise Invalid("type a word to search for", field="q")
    return select(Message.conversation_id).where(
        Message.shop_id == actor.shop_id,
        Message.kind.in_([MessageKind.TEXT, MessageKind.NOTE]),
        and_(*(Message.body.icontains(term, autoescape=True) for term in terms)),
    )


def _awake() -> Any:
    """Not snoozed, or snoozed until a time that has come: a snoozed conversation leaves the
    list until then (a new message from the shopper reopens it sooner). Asking for the
    snoozed status lists them all."""
    return or_(
        Conversation.status != ConversationStatus.SNOOZED,
        Conversation.snoozed_until <= utcnow(),
    )


def _filtered(actor: Actor, filters: InboxFilters) -> Any:
    stmt = select(Conversation).where(
        Conversation.shop_id == actor.shop_id, *view_filter(actor, filters.view)
    )
    if filters.status is None:
        stmt = stmt.where(_awake())
    for column, value in (
        (Conversation.status, filters.status),
        (Conversation.channel, filters.channel),
        (Conversation.skill, filters.skill),
        (Conversation.emotion, filters.emotion),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.tag:
        # Tags are a JSON list stored as text the same way on both databases.
        needle = json.dumps(filters.tag.strip())
        stmt = stmt.where(cast(Conversation.tags, String).contains(needle, autoescape=True))
    if filters.q and filters.q.strip():
        stmt = stmt.where(Conversation.id.in_(_matching_messages(actor, filters.q)))
    return stmt


async def _unread(session: AsyncSession, actor: Actor, ids: list[int]) -> dict[int, int]:
    """Messages from the shopper after the agent's read position, per conversation."""
    if not ids or actor.kind != "agent":
        return {}
    read = (
        select(ConversationRead.conversation_id, ConversationRead.last_read_message_id)
        .where(ConversationRead.agent_id == actor.id, ConversationRead.conversation_id.in_(ids))
        .subquery()
    )
    rows = await session.execute(
        select(Message.conversation_id, func.count())
        .outerjoin(read, read.c.conversation_id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(ids),
            Message.sender_kind == SenderKind.VISITOR,
            Message.id > func.coalesce(read.c.last_read_message_id, 0),
        )
        .group_by(Message.conversation_id)
    )
    return {conversation_id: count for conversation_id, count in rows.all()}


async def _latest(session: AsyncSession, ids: list[int]) -> dict[int, Message]:
    """The last message the shopper could see in each conversation, for the preview."""
    if not ids:
        return {}
    last = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(ids), Message.kind != MessageKind.NOTE)
        .group_by(Message.conversation_id)
    )
    rows = await session.scalars(select(Message).where(Message.id.in_(last)))
    return {m.conversation_id: m for m in rows}


async def _waiting_since(
    session: AsyncSession, conversations: list[Conversation]
) -> dict[int, Any]:
    """When the shopper's first message still without an agent's answer was sent."""
    waiting = [
        c.id
        for c in conversations
        if c.first_response_at is None and c.status is ConversationStatus.OPEN
    ]
    if not waiting:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, func.min(Message.created_at))
        .where(Message.conversation_id.in_(waiting), Message.sender_kind == SenderKind.VISITOR)
        .group_by(Message.conversation_id)
    )
    return dict(rows.all())


async def _names(session: AsyncSession, conversations: list[Conversation]) -> dict[int, str]:
    """The customer's nickname or name, else the name the visitor gave in the offline
    form, else 访客 and the visitor's short id."""
    customer_ids = {c.customer_id for c in conversations if c.customer_id}
    visitor_ids = {c.visitor_id for c in conversations if c.visitor_id}
    customers = {}
    if customer_ids:
        rows = await session.execute(
            select(Customer.id, Customer.nickname, Customer.name).where(
                Customer.id.in_(customer_ids)
            )
        )
        customers = {i: nick or name for i, nick, name in rows.all()}
    visitors = {}
    if visitor_ids:
        rows = await session.execute(
            select(Visitor.id, Visitor.display_name, Visitor.public_id).where(
                Visitor.id.in_(visitor_ids)
            )
        )
        visitors = {i: given or f"访客 {public_id[:6]}" for i, given, public_id in rows.all()}
    names = {}
    for c in conversations:
        name = customers.get(c.customer_id) if c.customer_id else None
        names[c.id] = name or visitors.get(c.visitor_id) or f"访客 {c.id}"
    return names


async def inbox(
    session: AsyncSession,
    actor: Actor,
    filters: InboxFilters,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[InboxRow]:
    """The workspace's conversation list, newest first, with what each line shows."""
    actor.require(Permission.READ_SHOP_DATA)
    if filters.q:
        await segment.ready()
    page = await paginate(
        session,
        _filtered(actor, filters),
        Conversation.id,
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
    ids = [c.id for c in page.items]
    unread = await _unread(session, actor, ids)
    latest = await _latest(session, ids)
    waiting = await _waiting_since(session, page.items)
    names = await _names(session, page.items)
    rows = []
    for c in page.items:
        last = latest.get(c.id)
        rows.append(
            InboxRow(
                conversation=c,
                name=names[c.id],
                unread=unread.get(c.id, 0),
                preview=None if last is None else _preview(last),
                preview_kind=None if last is None else last.kind.value,
                waiting_since=waiting.get(c.id),
            )
        )
    return Page(rows, page.next_cursor)


def _preview(message: Message) -> str:
    if message.kind is MessageKind.CARD:  # its body names it (an order number, a product)
        title = message.body.strip() or (message.payload or {}).get("title")
        return f"[卡片] {title}" if title else "[卡片]"
    if message.kind is MessageKind.IMAGE:
        return "[图片]"
    body = " ".join(message.body.split())
    return body if len(body) <= PREVIEW else body[: PREVIEW - 1] + "…"


@dataclass(slots=True)
class CustomerPanel:
    """Everything the panel beside a conversation shows."""

    conversation: Conversation
    customer: Customer | None
    orders: list[Order] = field(default_factory=list)
    shipments: dict[int, list[Shipment]] = field(default_factory=dict)
    past: list[Conversation] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    visitor_name: str | None = None  # what a shopper without an account typed as their name

    @property
    def returning(self) -> bool:
        return bool(self.past) or len(self.orders) > 1


async def customer_panel(
    session: AsyncSession, actor: Actor, conversation_id: int
) -> CustomerPanel:
    """The conversation's customer (contact masked unless the actor may see it), their
    recent orders with lines and shipment tracking, and their earlier conversations."""
    actor.require(Permission.READ_SHOP_DATA)
    conversation = await get_conversation(session, actor, conversation_id)
    panel = CustomerPanel(conversation, None)
    if conversation.customer_id is not None:
        panel.customer = await session.get(Customer, conversation.customer_id)
        mask_customers(actor, [panel.customer])
        await _orders(session, actor, panel)
        panel.past = list(
            await session.scalars(
                select(Conversation)
                .where(
                    Conversation.shop_id == actor.shop_id,
                    Conversation.customer_id == conversation.customer_id,
                    Conversation.id != conversation.id,
                )
                .order_by(Conversation.id.desc())
                .limit(PAST_CONVERSATIONS)
            )
        )
    if conversation.visitor_id is not None:
        panel.visitor_name = await session.scalar(
            select(Visitor.display_name).where(Visitor.id == conversation.visitor_id)
        )
    panel.variables = await _variables(session, panel)
    return panel


async def _orders(session: AsyncSession, actor: Actor, panel: CustomerPanel) -> None:
    assert panel.customer is not None
    panel.orders = list(
        await session.scalars(
            select(Order)
            .where(Order.shop_id == actor.shop_id, Order.customer_id == panel.customer.id)
            .options(selectinload(Order.lines))
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(PANEL_ORDERS)
        )
    )
    mask_orders(actor, panel.orders)
    if not panel.orders:
        return
    shipments = await session.scalars(
        select(Shipment)
        .where(Shipment.order_id.in_([o.id for o in panel.orders]))
        .options(selectinload(Shipment.events))
        .order_by(Shipment.id)
    )
    for shipment in shipments:
        panel.shipments.setdefault(shipment.order_id, []).append(shipment)


async def _variables(session: AsyncSession, panel: CustomerPanel) -> dict[str, str]:
    """Values for quick-phrase variables: the latest order and its shipment."""
    values: dict[str, str] = {}
    customer = panel.customer
    nickname = (customer.nickname or customer.name) if customer else panel.visitor_name
    if nickname:
        values["客户昵称"] = nickname
    if panel.orders:
        order = panel.orders[0]
        values["订单号"] = order.external_id
        if order.lines:
            values["商品名"] = order.lines[0].title
        shipments = panel.shipments.get(order.id)
        if shipments:
            values["物流单号"] = shipments[-1].tracking_no
    return values


@dataclass(slots=True)
class PhraseRow:
    phrase: QuickPhrase
    filled: str | None


async def quick_phrases(
    session: AsyncSession, actor: Actor, *, conversation_id: int | None = None
) -> list[PhraseRow]:
    """The shop's phrases and the agent's own, by shortcut; with a conversation, each
    also filled with its customer's details, and those for the customer's type first."""
    actor.require(Permission.READ_SHOP_DATA)
    mine = QuickPhrase.agent_id == actor.id if actor.kind == "agent" else False
    phrases = await session.scalars(
        select(QuickPhrase)
        .where(
            QuickPhrase.shop_id == actor.shop_id,
            or_(QuickPhrase.agent_id.is_(None), mine),
        )
        .order_by(QuickPhrase.shortcut, QuickPhrase.id)
    )
    if conversation_id is None:
        return [PhraseRow(p, None) for p in phrases]
    panel = await customer_panel(session, actor, conversation_id)
    kind = panel.customer.customer_type if panel.customer else None
    # Scripts written for this customer's type first, then those for anyone, then the rest.
    ordered = (
        sorted(
            phrases,
            key=lambda p: 0 if p.customer_type is kind else 1 + (p.customer_type is not None),
        )
        if kind
        else list(phrases)
    )
    return [PhraseRow(p, fill(p.body, panel.variables)) for p in ordered]
