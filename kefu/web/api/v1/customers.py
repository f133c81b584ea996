"""Customers: list, read, bulk upsert by external id; a copy or the erasure of one
customer's personal data (PIPL). Phone and e-mail come masked for agents without the
view-contact permission."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field

from kefu.actions.personal_data import do_erase_customer, do_export_customer
from kefu.actions.shop_data import do_upsert_customers
from kefu.queries.customers import get_customer, list_customers
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    BulkIn,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
    UpsertOut,
    bulk_upsert,
)
from kefu.web.deps import ActorDep, SessionDep, SettingsDep

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


@router.get(
    "/{customer_id}/personal-data",
    summary="Everything held about one customer, as a JSON file (PIPL / GDPR access request)",
    response_model=dict[str, Any],
)
async def export_personal_data(
    customer_id: IdPath, session: SessionDep, actor: ActorDep
) -> JSONResponse:
    document = await do_export_customer(session, actor, customer_id)
    await session.commit()
    filename = f"customer-{customer_id}-personal-data.json"
    return JSONResponse(
        jsonable_encoder(document),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ErasureIn(ApiModel):
    confirm_external_id: str = Field(
        description="The customer's external id, typed again: erasure cannot be undone"
    )


class ErasureOut(ApiModel):
    customer_id: int
    conversations: int = Field(description="Conversations whose messages were erased")
    messages: int
    pictures: int = Field(description="Pictures deleted with their files")
    orders: int = Field(description="Orders whose address and note were erased")
    cases: int
    replay_rows: int = Field(description="Realtime replay rows and webhook deliveries deleted")
    mails: int = Field(0, description="E-mails to and from the customer emptied")


@router.post(
    "/{customer_id}/erase",
    summary="Erase one customer's personal data (PIPL / GDPR erasure request; cannot be undone)",
)
async def erase_personal_data(
    customer_id: IdPath,
    body: ErasureIn,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
) -> ErasureOut:
    erasure = await do_erase_customer(
        session, actor, customer_id, body.confirm_external_id, settings.data_dir
    )
    await session.commit()
    return ErasureOut.model_validate(erasure)
