"""Shipments with their tracking timeline: list, read, bulk upsert by external id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from kefu.actions.shop_data import do_upsert_shipments
from kefu.models import ShipmentStatus
from kefu.queries.orders import get_shipment, list_shipments
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
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/shipments", tags=["shipments"], responses=ERROR_RESPONSES)


class TrackingEventIn(ApiModel):
    at: AwareDatetime
    status: ShipmentStatus
    location: str | None = Field(None, max_length=200)
    description: str = Field(min_length=1, max_length=500)


class ShipmentIn(ApiModel):
    external_id: str = Field(min_length=1, max_length=64, description="Your id for the shipment")
    order_external_id: str = Field(min_length=1, max_length=64)
    carrier: str = Field(min_length=1, max_length=64, description="e.g. 顺丰速运")
    tracking_no: str = Field(min_length=1, max_length=64)
    status: ShipmentStatus = ShipmentStatus.PENDING
    shipped_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    events: list[TrackingEventIn] = Field(
        default_factory=list, description="Merged by (at, status); events not sent are kept"
    )


class ShipmentsIn(BulkIn[ShipmentIn]):
    pass


class TrackingEventOut(ApiModel):
    at: AwareDatetime
    status: ShipmentStatus
    location: str | None
    description: str


class ShipmentOut(ApiModel):
    id: int
    external_id: str
    order_id: int
    carrier: str
    tracking_no: str
    status: ShipmentStatus
    shipped_at: AwareDatetime | None
    delivered_at: AwareDatetime | None
    events: list[TrackingEventOut] = Field(description="Oldest first")


@router.get("", summary="List shipments")
async def get_shipments(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    order_id: Annotated[int | None, Query(description="Only shipments of this order")] = None,
    status: ShipmentStatus | None = None,
    tracking_no: str | None = None,
) -> PageOut[ShipmentOut]:
    page = await list_shipments(
        session,
        actor,
        order_id=order_id,
        status=status,
        tracking_no=tracking_no,
        cursor=cursor,
        limit=limit,
    )
    return PageOut.of(page, ShipmentOut)


@router.get("/{shipment_id}", summary="Read one shipment with its tracking events")
async def get_one_shipment(shipment_id: int, session: SessionDep, actor: ActorDep) -> ShipmentOut:
    return ShipmentOut.model_validate(await get_shipment(session, actor, shipment_id))


@router.post("/bulk", summary="Create or update shipments by external_id (idempotent)")
async def upsert_shipments(body: ShipmentsIn, session: SessionDep, actor: ActorDep) -> UpsertOut:
    return await bulk_upsert(session, actor, do_upsert_shipments, body)
