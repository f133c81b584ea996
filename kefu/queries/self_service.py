"""What a shopper signed in to the storefront sees of their own after-sales in the widget:
their recent orders (each line saying whether a return, exchange or refund may be asked
for now) and their cases with the timeline meant for them (never internal comments).

The shopper is the customer the storefront signed for the visitor (kefu.actions.visitors);
an anonymous visitor has no orders here (403), so nobody reads orders by guessing ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.errors import Forbidden, NotFound
from kefu.lib.cases import FINISHED, CaseType, case_settings
from kefu.models import Case, CaseEvent, CaseRating, Order, Shipment, Visitor
from kefu.queries.widget import visitor_shop

RECENT_ORDERS = 20
RECENT_CASES = 20
# Timeline entries a shopper sees: the opening, each status change and the agents' replies.
FOR_THE_SHOPPER = ("created", "status_changed", "replied")


async def linked_customer(session: AsyncSession, visitor: Actor) -> int:
    """The customer the visitor is signed in as, else ``Forbidden`` saying how to be."""
    if not visitor.is_visitor:
        raise Forbidden("only the shopper in the widget asks for after-sales here")
    customer_id = await session.scalar(
        select(Visitor.customer_id).where(
            Visitor.id == visitor.id, Visitor.shop_id == visitor.shop_id
        )
    )
    if customer_id is None:
        raise Forbidden(
            "sign in to the shop first: after-sales requests need to know whose orders these are",
            code="not_signed_in",
        )
    return customer_id


def line_refusal(
    delivered_at: datetime | None, window_days: int, now: datetime, open_case: bool
) -> str | None:
    """Why a line may not be asked about now (None when it may): ``not_delivered``,
    ``outside_return_window`` (the window's last instant counts as inside) or ``open_case``."""
    if delivered_at is None:
        return "not_delivered"
    if now > delivered_at + timedelta(days=window_days):  # the end instant is inside
        return "outside_return_window"
    return "open_case" if open_case else None


async def return_window(session: AsyncSession, visitor: Actor) -> int:
    """Days after delivery the visitor's shop takes returns, exchanges and refunds."""
    shop = await visitor_shop(session, visitor)
    return int(case_settings(shop.case_settings)["return_window_days"])


@dataclass(frozen=True, slots=True)
class ShopperOrder:
    order: Order
    delivered_at: datetime | None
    window_days: int
    refusals: dict[int, str | None]  # order line id → line_refusal

    @property
    def return_until(self) -> datetime | None:
        """The return window's last instant (None before delivery)."""
        return self.delivered_at and self.delivered_at + timedelta(days=self.window_days)


async def delivered_at(session: AsyncSession, order: Order) -> datetime | None:
    """When the order's parcel arrived (the last delivery of its shipments)."""
    return await session.scalar(
        select(func.max(Shipment.delivered_at)).where(
            Shipment.shop_id == order.shop_id, Shipment.order_id == order.id
        )
    )


async def lines_with_open_cases(
    session: AsyncSession, shop_id: int, order_ids: list[int]
) -> set[int]:
    """The order lines (of these orders) that a case not yet resolved or closed is about."""
    return set(
        await session.scalars(
            select(Case.order_line_id).where(
                Case.shop_id == shop_id,
                Case.order_id.in_(order_ids),
                Case.order_line_id.is_not(None),
                Case.status.not_in(FINISHED),
            )
        )
    )


async def shopper_orders(
    session: AsyncSession, visitor: Actor, now: datetime
) -> tuple[int, list[ShopperOrder]]:
    """The shop's return window in days and the signed-in shopper's recent orders, newest
    first, each line with its refusal."""
    customer_id = await linked_customer(session, visitor)
    window = await return_window(session, visitor)
    orders = list(
        await session.scalars(
            select(Order)
            .where(Order.shop_id == visitor.shop_id, Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
            .limit(RECENT_ORDERS)
        )
    )
    busy = await lines_with_open_cases(session, visitor.shop_id, [o.id for o in orders])
    found = []
    for order in orders:
        arrived = await delivered_at(session, order)
        refusals = {
            line.id: line_refusal(arrived, window, now, line.id in busy) for line in order.lines
        }
        found.append(ShopperOrder(order, arrived, window, refusals))
    return window, found


@dataclass(frozen=True, slots=True)
class ShopperCase:
    case: Case
    timeline: list[CaseEvent]
    rating: CaseRating | None


def _shoppers_cases(shop_id: int, customer_id: int) -> Select[tuple[Case]]:
    """The shopper's cases: a review follow-up (差评回访) is the shop's own call-back task,
    never the shopper's to see."""
    return select(Case).where(
        Case.shop_id == shop_id,
        Case.customer_id == customer_id,
        Case.type != CaseType.REVIEW_FOLLOWUP,
    )


async def shopper_case(session: AsyncSession, visitor: Actor, case_id: int) -> Case:
    """One case of the signed-in shopper; anyone else's (or none) is a 404 alike."""
    customer_id = await linked_customer(session, visitor)
    case = await session.scalar(
        _shoppers_cases(visitor.shop_id, customer_id).where(Case.id == case_id)
    )
    if case is None:
        raise NotFound("case")
    return case


async def shopper_cases(
    session: AsyncSession, visitor: Actor, case_id: int | None = None
) -> list[ShopperCase]:
    """The signed-in shopper's recent cases (or the one ``case_id``), newest first, with
    the timeline meant for them and their rating of each."""
    customer_id = await linked_customer(session, visitor)
    query = _shoppers_cases(visitor.shop_id, customer_id)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    cases = list(
        await session.scalars(
            query.order_by(Case.created_at.desc(), Case.id.desc()).limit(RECENT_CASES)
        )
    )
    events = await session.scalars(
        select(CaseEvent)
        .where(
            CaseEvent.shop_id == visitor.shop_id,
            CaseEvent.case_id.in_([c.id for c in cases]),
            CaseEvent.kind.in_(FOR_THE_SHOPPER),
        )
        .order_by(CaseEvent.at, CaseEvent.id)
    )
    by_case: dict[int, list[CaseEvent]] = {c.id: [] for c in cases}
    for event in events:
        by_case[event.case_id].append(event)
    ratings = {
        r.case_id: r
        for r in await session.scalars(
            select(CaseRating).where(CaseRating.case_id.in_([c.id for c in cases]))
        )
    }
    return [ShopperCase(case, by_case[case.id], ratings.get(case.id)) for case in cases]
