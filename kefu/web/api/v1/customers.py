"""Customers: list, read, bulk upsert by external id; agents' tags, note and type; merging
a duplicate; a copy or the erasure of one customer's personal data (PIPL). Phone and
e-mail come masked for agents without the view-contact permission."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from kefu.actions.customer_merge import do_merge_customers
from kefu.actions.customers import do_update_customer
from kefu.actions.personal_data import do_erase_customer, do_export_customer
from kefu.actions.shop_data import do_upsert_customers
from kefu.crm.profile import Behaviour, customer_summary
from kefu.models.workspace import CustomerType
from kefu.queries.customers import get_customer, likely_duplicates, list_customers
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
    rule_tags: list[Any] = Field(description="Which of the tags the shop's tag rules gave")
    note: str | None
    customer_type: CustomerType | None = Field(
        description="The shopper's temperament as agents judged it: scripts for it come first"
    )
    identities: list[IdentityOut] = Field(
        description="Channels the customer is known on; `merged` holds former customer ids"
    )
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


class CustomerPatch(ApiModel):
    """Only what agents own; the shop's system sends the rest through ``/customers/bulk``."""

    model_config = ConfigDict(extra="forbid")

    tags: list[str] | None = Field(None, description="Replaces the tags (at most 30)")
    note: str | None = Field(None, max_length=2000)
    customer_type: CustomerType | None = Field(
        None, description="decisive 干脆型, cold 冷漠型, lively 活泼型, fussy 麻烦型; null clears"
    )


@router.patch("/{customer_id}", summary="Change an agent's notes on a customer: tags, note, type")
async def patch_customer(
    customer_id: IdPath, body: CustomerPatch, session: SessionDep, actor: ActorDep
) -> CustomerOut:
    customer = await do_update_customer(
        session, actor, customer_id, body.model_dump(exclude_unset=True)
    )
    await session.commit()
    return CustomerOut.model_validate(await get_customer(session, actor, customer.id))


@router.get(
    "/{customer_id}/duplicates",
    summary="Other customers with the same phone or e-mail: candidates to merge",
)
async def get_duplicates(
    customer_id: IdPath, session: SessionDep, actor: ActorDep
) -> list[CustomerOut]:
    found = await likely_duplicates(session, actor, customer_id)
    return [CustomerOut.model_validate(c) for c in found]


class CustomerSummaryOut(ApiModel):
    customer_id: int
    lifetime_value_cents: int = Field(description="Paid orders not cancelled or refunded")
    paid_orders: int
    average_order_cents: int | None
    first_order_at: datetime | None
    last_order_at: datetime | None
    segment: str | None = Field(description="The RFM segment of the newest snapshot")
    conversations: int
    last_contact_at: datetime | None
    cases: int
    open_cases: int
    campaign_messages: int = Field(description="Campaign and journey messages sent or due")
    behaviours: list[Behaviour] = Field(
        description="bargainer 讲价型 (2+ chats asking for a lower price), unpaid_orders "
        "拍下不买型 (2+ orders cancelled unpaid), frequent_returns (2+ return, exchange or "
        "refund cases), complained (a complaint case or chat), loyal (3+ paid orders)"
    )


@router.get("/{customer_id}/summary", summary="A customer at a glance: worth, habits, contacts")
async def get_summary(
    customer_id: IdPath, session: SessionDep, actor: ActorDep
) -> CustomerSummaryOut:
    return CustomerSummaryOut.model_validate(await customer_summary(session, actor, customer_id))


class MergeOut(ApiModel):
    customer: CustomerOut
    moved: dict[str, int] = Field(description="Rows moved to this customer, per table")
    dropped: dict[str, int] = Field(
        description="The duplicate's rows this customer already had (same day's RFM score, "
        "same campaign), per table"
    )


@router.post(
    "/{customer_id}/merge/{duplicate_id}",
    summary="Merge customer duplicate_id into this one and remove it (cannot be undone)",
    description="Supervisors and owners. Conversations, orders, cases, identities, scores "
    "and campaign history move to this customer; its profile gains what only the duplicate "
    "knew; an opt-out on either stays. The duplicate's external id becomes an alias: "
    "imports, orders and the widget's signed customer id that use it reach this customer.",
)
async def merge_customer(
    customer_id: IdPath, duplicate_id: IdPath, session: SessionDep, actor: ActorDep
) -> MergeOut:
    merge = await do_merge_customers(session, actor, customer_id, duplicate_id)
    await session.commit()
    customer = await get_customer(session, actor, merge.survivor_id)
    return MergeOut(
        customer=CustomerOut.model_validate(customer), moved=merge.moved, dropped=merge.dropped
    )


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
