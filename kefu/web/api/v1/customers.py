"""Customers: list, read, bulk upsert by external id. Phone and e-mail come masked for
agents without the view-contact permission."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.actions.shop_data import do_upsert_customers
from kefu.queries.customers import get_customer, list_customers
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

router = APIRouter(prefix="/customers", tags=["customers"], responses=ERROR_RESPONSES)


class IdentityIn(ApiModel):
    channel: str = Field(min_length=1, max_length=32, description="e.g. web, email, taobao")
    handle: str = Field(min_length=1, max_length=200, description="The id on that channel")


class CustomerIn(ApiModel):
    external_id: str = Field(min_length=1, max_length=64, description="Your id for the customer")
    name: str | None = Field(None, max_length=100)
    nickname: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    country: str | None = Field(None, max_length=64)
    birthday: date | None = None
    member_level: str | None = Field(None, max_length=32)
    tags: list[str] = Field(default_factory=list)
    note: str | None = None
    identities: list[IdentityIn] = Field(
        default_factory=list, description="Merged: identities not sent are kept"
    )


class CustomersIn(BulkIn[CustomerIn]):
    pass


class IdentityOut(ApiModel):
    channel: str
    handle: str


class CustomerOut(ApiModel):
    id: int
    external_id: str
    name: str | None
    nickname: str | None
    phone: str | None = Field(description="Masked (138****5678) without view-contact permission")
    email: str | None = Field(description="Masked (z***@example.com) without permission")
    country: str | None
    birthday: date | None
    member_level: str | None
    tags: list[Any]
    note: str | None
    identities: list[IdentityOut]
    opted_out_at: datetime | None = Field(
        description="When the customer asked for no more campaigns (null: they may get them)"
    )


@router.get("", summary="List customers")
async def get_customers(
    session: SessionDep,
    actor: ActorDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
    q: Annotated[
        str | None, Query(description="Part of the name, nickname, external id, phone or e-mail")
    ] = None,
    tag: Annotated[str | None, Query(description="Only customers with this tag")] = None,
    external_id: str | None = None,
) -> PageOut[CustomerOut]:
    page = await list_customers(
        session, actor, q=q, tag=tag, external_id=external_id, cursor=cursor, limit=limit
    )
    return PageOut.of(page, CustomerOut)


@router.get("/{customer_id}", summary="Read one customer")
async def get_one_customer(customer_id: int, session: SessionDep, actor: ActorDep) -> CustomerOut:
    return CustomerOut.model_validate(await get_customer(session, actor, customer_id))


@router.post("/bulk", summary="Create or update customers by external_id (idempotent)")
async def upsert_customers(body: CustomersIn, session: SessionDep, actor: ActorDep) -> UpsertOut:
    return await bulk_upsert(session, actor, do_upsert_customers, body)
