"""The widget's self-service after-sales (申请售后): the signed-in shopper's orders with the
lines they may ask about, their request, their cases' progress, and their rating of a
finished case."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.case_ratings import MAX_COMMENT, do_rate_case
from kefu.actions.self_service import do_request_after_sales
from kefu.lib.cases import FINISHED, MAX_PHOTOS, RETURN_REASONS, CaseStatus, CaseType
from kefu.models import RatingChannel
from kefu.models.base import utcnow
from kefu.queries.self_service import (
    ShopperCase,
    ShopperOrder,
    shopper_case,
    shopper_cases,
    shopper_orders,
)
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath, RowId
from kefu.web.deps import SessionDep, VisitorDep, refuse_nul_characters
from kefu.web.ratelimits import limit_widget

router = APIRouter(
    prefix="/widget",
    tags=["widget"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(limit_widget)],
)

Reason = Literal[tuple(RETURN_REASONS)]  # type: ignore[valid-type]


class ShopperLineOut(ApiModel):
    id: int
    title: str
    sku: str
    quantity: int
    amount_cents: int
    eligible: bool = Field(description="A return, exchange or refund may be asked for now")
    refusal: str | None = Field(
        description="Why not: not_delivered, outside_return_window or open_case"
    )


class ShopperOrderOut(ApiModel):
    id: int
    external_id: str = Field(description="The shop's order number")
    placed_at: datetime
    currency: str
    total_cents: int
    delivered_at: datetime | None
    return_until: datetime | None = Field(description="The return window's last instant")
    lines: list[ShopperLineOut]


class ShopperOrdersOut(ApiModel):
    return_window_days: int
    orders: list[ShopperOrderOut]


class AfterSalesIn(ApiModel):
    order_line_id: RowId
    type: Literal["return", "exchange", "refund_only"]
    reason: Reason = Field(description="One of the fixed reasons the widget offers")
    detail: str | None = Field(None, max_length=1000, description="The shopper's own words")
    photo_upload_ids: list[RowId] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="Images uploaded in the shopper's own conversation",
    )


class TimelineOut(ApiModel):
    at: datetime
    kind: str = Field(description="created, status_changed or replied")
    status: CaseStatus | None = Field(description="The status it moved to")
    body: str | None = Field(description="An agent's reply to the shopper")


class ShopperRatingOut(ApiModel):
    rating: int = Field(description="1–5 stars")
    comment: str | None
    rated_at: datetime


class ShopperCaseOut(ApiModel):
    id: int
    number: int
    type: CaseType
    status: CaseStatus
    title: str
    order_line_id: int | None
    created_at: datetime
    timeline: list[TimelineOut]
    can_rate: bool = Field(description="Resolved or closed and not rated yet")
    rating: ShopperRatingOut | None = Field(description="The shopper's rating, once given")


class CaseRatingIn(ApiModel):
    rating: int = Field(ge=1, le=5, description="1–5 stars")
    comment: str | None = Field(None, max_length=MAX_COMMENT)


class ShopperCasesOut(ApiModel):
    cases: list[ShopperCaseOut]


def _order_out(found: ShopperOrder) -> ShopperOrderOut:
    order = found.order
    return ShopperOrderOut(
        id=order.id,
        external_id=order.external_id,
        placed_at=order.placed_at,
        currency=order.currency,
        total_cents=order.total_cents,
        delivered_at=found.delivered_at,
        return_until=found.return_until,
        lines=[
            ShopperLineOut(
                id=line.id,
                title=line.title,
                sku=line.sku,
                quantity=line.quantity,
                amount_cents=line.amount_cents,
                eligible=found.refusals[line.id] is None,
                refusal=found.refusals[line.id],
            )
            for line in order.lines
        ],
    )


def _case_out(found: ShopperCase) -> ShopperCaseOut:
    case = found.case
    return ShopperCaseOut(
        id=case.id,
        number=case.number,
        type=case.type,
        status=case.status,
        title=case.title,
        order_line_id=case.order_line_id,
        created_at=case.created_at,
        timeline=[
            TimelineOut(
                at=e.at,
                kind=e.kind,
                status=e.to_status,
                body=e.body if e.kind == "replied" else None,
            )
            for e in found.timeline
        ],
        can_rate=case.status in FINISHED and found.rating is None,
        rating=found.rating
        and ShopperRatingOut(
            rating=found.rating.rating, comment=found.rating.comment, rated_at=found.rating.rated_at
        ),
    )


async def _committed(session: AsyncSession, visitor: Actor, case_id: int) -> ShopperCaseOut:
    """Commit the shopper's change, then the case as the shopper now sees it."""
    await session.commit()
    [found] = await shopper_cases(session, visitor, case_id)
    return _case_out(found)


@router.get(
    "/orders",
    summary="The signed-in shopper's recent orders, with the lines open to after-sales",
    description="403 `not_signed_in` when the storefront did not sign the shopper's "
    "customer id. A line is eligible when its order was delivered, the shop's return "
    "window has not passed and no open case is about it.",
)
async def read_orders(session: SessionDep, visitor: VisitorDep) -> ShopperOrdersOut:
    window, orders = await shopper_orders(session, visitor, utcnow())
    return ShopperOrdersOut(return_window_days=window, orders=[_order_out(o) for o in orders])


@router.post(
    "/cases",
    status_code=201,
    summary="Ask for a return, exchange or refund of a line of one's own delivered order",
    description="404 for a line not of the shopper's orders; 422 `not_delivered` or "
    "`outside_return_window`; 409 `open_case` when a request for the line is still open.",
    dependencies=[Depends(refuse_nul_characters)],
)
async def request_after_sales(
    body: AfterSalesIn, session: SessionDep, visitor: VisitorDep
) -> ShopperCaseOut:
    case = await do_request_after_sales(
        session,
        visitor,
        order_line_id=body.order_line_id,
        type=body.type,
        reason=body.reason,
        detail=body.detail,
        photo_upload_ids=body.photo_upload_ids,
    )
    return await _committed(session, visitor, case.id)


@router.get(
    "/cases",
    summary="The signed-in shopper's after-sales cases and their progress",
    description="Newest first, each with the timeline meant for the shopper: when it was "
    "opened, each status change and the agents' replies (never internal comments).",
)
async def read_cases(session: SessionDep, visitor: VisitorDep) -> ShopperCasesOut:
    return ShopperCasesOut(cases=[_case_out(c) for c in await shopper_cases(session, visitor)])


@router.post(
    "/cases/{case_id}/rating",
    summary="Rate one's own resolved or closed case (1–5 stars and a comment), once",
    description="404 for a case not of the signed-in shopper; 409 `not_finished` before the "
    "case is resolved or closed, 409 `already_rated` for a second rating; 422 for a rating "
    "outside 1–5. Returns the case with its rating.",
    dependencies=[Depends(refuse_nul_characters)],
)
async def rate_case(
    case_id: IdPath, body: CaseRatingIn, session: SessionDep, visitor: VisitorDep
) -> ShopperCaseOut:
    case = await shopper_case(session, visitor, case_id)
    channel = RatingChannel.WIDGET
    await do_rate_case(
        session, visitor, case, rating=body.rating, comment=body.comment, channel=channel
    )
    return await _committed(session, visitor, case.id)
