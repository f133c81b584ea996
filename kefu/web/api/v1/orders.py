"""Orders with lines: list (newest first), read with customer and shipments, bulk upsert."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from kefu.actions.shop_data import do_upsert_orders
from kefu.models import OrderStatus
from kefu.queries.orders import get_order, list_orders
from kefu.web.api.v1.customers import CustomerOut
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    BulkIn,
    CursorQuery,
    LimitQuery,
    PageOut,
    UpsertOut,
    bulk_upsert,
)
from kefu.web.api.v1.shipments import ShipmentOut
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)


class AddressIn(ApiModel):
    name: str = Field(max_length=100, description="Recipient, e.g. 张伟")
    phone: str | None = Field(None, max_length=32)
    province: str | None = Field(None, max_length=64)
    city: str | None = Field(None, max_length=64)
    district: str | None = Field(None, max_length=64)
    line: str | None = Field(None, max_length=300, description="Street and house number")
    postcode: str | None = Field(None, max_length=16)
    country: str | None = Field(None, max_length=64)


class OrderLineIn(ApiModel):
    line_no: int | None = Field(None, ge=1, description="Defaults to the line's position")
    sku: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    quantity: int = Field(ge=1)
    unit_price_cents: int = Field(ge=0, description="Price of one unit in cents (分)")
    product_external_id: str | None = Field(None, max_length=64)


class OrderIn(ApiModel):
    external_id: str = Field(min_length=1, max_length=64, description="Your order number")
    customer_external_id: str | None = Field(None, max_length=64)
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    currency: str = Field("CNY", min_length=3, max_length=3)
    placed_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    promised_at: AwareDatetime | None = Field(
        None,
        description="Delivery promised to the shopper by (承诺送达); once it passes "
        "undelivered, the proactive rule `late` opens a logistics case (docs/cases.md)",
    )
    address: AddressIn | None = None
    note: str | None = Field(None, max_length=500)
    lines: list[OrderLineIn] = Field(
        min_length=1, description="Replace the order's lines as a set; total_cents is their sum"
    )


class OrdersIn(BulkIn[OrderIn]):
    pass


class OrderLineOut(ApiModel):
    id: int = Field(description="Names the line, e.g. to open a case about it")
    line_no: int
    product_id: int | None
    sku: str
    title: str
    quantity: int
    unit_price_cents: int
    amount_cents: int


class OrderOut(ApiModel):
    id: int
    external_id: str
    customer_id: int | None
    status: OrderStatus
    currency: str
    total_cents: int
    placed_at: AwareDatetime
    paid_at: AwareDatetime | None
    promised_at: AwareDatetime | None
    address: dict[str, Any] | None = Field(description="Phone masked without permission")
    note: str | None
    lines: list[OrderLineOut]


class OrderDetailOut(OrderOut):
    customer: CustomerOut | None
    shipments: list[ShipmentOut]


@router.get("", summary="List orders, newest first")
async def get_orders(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    status: OrderStatus | None = None,
    customer_id: int | None = None,
    q: Annotated[str | None, Query(description="Part of the order number")] = None,
    placed_from: Annotated[AwareDatetime | None, Query(description="Inclusive")] = None,
    placed_to: Annotated[AwareDatetime | None, Query(description="Exclusive")] = None,
) -> PageOut[OrderOut]:
    page = await list_orders(
        session,
        actor,
        status=status,
        customer_id=customer_id,
        q=q,
        placed_from=placed_from,
        placed_to=placed_to,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, OrderOut)


@router.get("/{order_id}", summary="Read one order with customer, shipments and tracking")
async def get_one_order(order_id: int, session: SessionDep, actor: ActorDep) -> OrderDetailOut:
    detail = await get_order(session, actor, order_id)
    return OrderDetailOut.model_validate(
        OrderOut.model_validate(detail.order).model_dump()
        | {
            "customer": detail.customer and CustomerOut.model_validate(detail.customer),
            "shipments": [ShipmentOut.model_validate(s) for s in detail.shipments],
        }
    )


@router.post("/bulk", summary="Create or update orders by external_id (idempotent)")
async def upsert_orders(body: OrdersIn, session: SessionDep, actor: ActorDep) -> UpsertOut:
    return await bulk_upsert(session, actor, do_upsert_orders, body)
