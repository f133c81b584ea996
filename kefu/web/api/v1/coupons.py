"""Coupons: list, read, bulk upsert by code."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, Field

from kefu.actions.shop_data import do_upsert_coupons
from kefu.models import CouponKind
from kefu.queries.orders import get_coupon, list_coupons
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

router = APIRouter(prefix="/coupons", tags=["coupons"], responses=ERROR_RESPONSES)


class CouponIn(ApiModel):
    code: str = Field(min_length=1, max_length=64, description="The code shoppers type")
    kind: CouponKind
    value: int = Field(ge=0, description="Cents off (amount) or percent off (percent)")
    min_spend_cents: int = Field(0, ge=0)
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    customer_external_id: str | None = Field(None, description="Only this customer may use it")
    used_at: AwareDatetime | None = None


class CouponsIn(BulkIn[CouponIn]):
    pass


class CouponOut(ApiModel):
    id: int
    code: str
    kind: CouponKind
    value: int
    min_spend_cents: int
    valid_from: AwareDatetime | None
    valid_until: AwareDatetime | None
    customer_id: int | None
    used_at: AwareDatetime | None


@router.get("", summary="List coupons")
async def get_coupons(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    code: str | None = None,
    customer_id: int | None = None,
) -> PageOut[CouponOut]:
    page = await list_coupons(
        session, actor, code=code, customer_id=customer_id, cursor=cursor, limit=limit
    )
    return PageOut.of(page, CouponOut)


@router.get("/{coupon_id}", summary="Read one coupon")
async def get_one_coupon(coupon_id: int, session: SessionDep, actor: ActorDep) -> CouponOut:
    return CouponOut.model_validate(await get_coupon(session, actor, coupon_id))


@router.post("/bulk", summary="Create or update coupons by code (idempotent)")
async def upsert_coupons(body: CouponsIn, session: SessionDep, actor: ActorDep) -> UpsertOut:
    return await bulk_upsert(session, actor, do_upsert_coupons, body)
