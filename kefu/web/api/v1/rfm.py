"""Shop RFM: segment sizes with their strategies, the customers of a segment, sizes over
time, flows between segments, a refresh on demand; and the shop's CRM settings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from kefu.crm.settings import crm_settings, do_update_crm_settings
from kefu.crm.shop_rfm import (
    BY_SLUG,
    do_refresh_rfm,
    segment_customers,
    segment_flows,
    segment_history,
    segment_sizes,
)
from kefu.models.base import utcnow
from kefu.queries.shops import get_shop
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, CursorQuery, LimitQuery, PageOut
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["crm"], responses=ERROR_RESPONSES)
SEGMENT_HELP = f"One of {', '.join(BY_SLUG)}"


class SegmentOut(ApiModel):
    slug: str
    name_zh: str = Field(description="The seeds' name: 核心客户, 沉睡客户 …")
    textbook: str = Field(description="The classic eight-group name: 重要价值客户 …")
    strategy: str
    strategy_zh: str
    size: int


class SegmentsOut(ApiModel):
    day: date | None = Field(description="The snapshot shown; null before the first")
    method: dict[str, list[int] | None] = Field(
        description="Each measure's thresholds; null where quintiles are used"
    )
    customers: int
    segments: list[SegmentOut]


class SegmentCustomerOut(ApiModel):
    customer_id: int
    external_id: str
    name: str | None
    nickname: str | None
    phone: str | None
    tags: list[Any]
    opted_out: bool
    segment: str
    recency_days: int
    frequency: int
    monetary_cents: int
    r: int
    f: int
    m: int


class HistoryDayOut(ApiModel):
    day: date
    sizes: dict[str, int]


class FlowOut(ApiModel):
    from_segment: str = Field(alias="from", description=f"{SEGMENT_HELP}, or none")
    to_segment: str = Field(alias="to", description=f"{SEGMENT_HELP}, or none")
    customers: int


class FlowsOut(ApiModel):
    from_day: date | None
    to_day: date | None
    flows: list[FlowOut]


class RefreshIn(ApiModel):
    day: date | None = Field(None, description="A past day to compute; default today")


class RefreshedOut(ApiModel):
    day: date
    customers: int


class CrmSettingsOut(ApiModel):
    rfm_thresholds: dict[str, list[int]] | None = Field(
        description="recency_days (largest first), frequency, monetary_cents (smallest "
        "first): 4 cut points each where scores 2–5 begin; null for quintiles"
    )
    frequency_cap: int = Field(description="Campaign messages per customer per month")
    quiet_hours: list[str] | None = Field(description='Shop time, e.g. ["22:00", "08:00"]')
    conversion_days: int = Field(description="An order within this many days converts")
    tag_rules: list[dict[str, Any]] = Field(
        description="Tags given to the customers meeting every condition of a rule: "
        '{"tag": "高价值", "min_lifetime_value_cents": 200000}; conditions: segment (an RFM '
        "slug), behaviour (bargainer, unpaid_orders, frequent_returns, complained, loyal), "
        "min_paid_orders, min_lifetime_value_cents. Applied when changed, with each daily "
        "snapshot and on POST /rfm/refresh; a rule's tag is taken back when no rule gives it"
    )


class CrmSettingsPatch(ApiModel):
    """Only the fields sent are changed."""

    rfm_thresholds: dict[str, Any] | None = None
    frequency_cap: int | None = None
    quiet_hours: list[str] | None = None
    conversion_days: int | None = None
    tag_rules: list[Any] | None = Field(None, description="Replaces the rules (at most 20)")


@router.get("/rfm/segments", summary="The eight RFM segments: size, strategy, method")
async def get_segments(session: SessionDep, actor: ActorDep) -> SegmentsOut:
    view = await segment_sizes(session, actor)
    segments = [
        SegmentOut(
            slug=slug,
            name_zh=seg.name_zh,
            textbook=seg.textbook,
            strategy=seg.strategy,
            strategy_zh=seg.strategy_zh,
            size=view.sizes[slug],
        )
        for slug, seg in BY_SLUG.items()
    ]
    return SegmentsOut(
        day=view.day, method=view.method, customers=sum(view.sizes.values()), segments=segments
    )


@router.get("/rfm/customers", summary="Customers of the latest snapshot, by segment")
async def get_segment_customers(
    session: SessionDep,
    actor: ActorDep,
    segment: Annotated[str | None, Query(description=SEGMENT_HELP)] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> PageOut[SegmentCustomerOut]:
    page = await segment_customers(session, actor, segment=segment, cursor=cursor, limit=limit)
    items = [
        SegmentCustomerOut(
            customer_id=customer.id,
            external_id=customer.external_id,
            name=customer.name,
            nickname=customer.nickname,
            phone=customer.phone,
            tags=customer.tags,
            opted_out=customer.opted_out_at is not None,
            segment=row.segment,
            recency_days=row.recency_days,
            frequency=row.frequency,
            monetary_cents=row.monetary_cents,
            r=row.r,
            f=row.f,
            m=row.m,
        )
        for row, customer in page.items
    ]
    return PageOut[SegmentCustomerOut](items=items, next_cursor=page.next_cursor)


@router.get("/rfm/history", summary="Segment sizes of each snapshot day")
async def get_history(
    session: SessionDep,
    actor: ActorDep,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> list[HistoryDayOut]:
    days = await segment_history(session, actor, since, until)
    return [HistoryDayOut(day=day, sizes=sizes) for day, sizes in days]


@router.get("/rfm/flows", summary="Customers moving between segments from one day to another")
async def get_flows(
    session: SessionDep,
    actor: ActorDep,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> FlowsOut:
    flows = await segment_flows(session, actor, since, until)
    return FlowsOut(
        from_day=flows.from_day,
        to_day=flows.to_day,
        flows=[
            FlowOut.model_validate({"from": a, "to": b, "customers": n}) for a, b, n in flows.counts
        ],
    )


@router.post("/rfm/refresh", summary="Take today's (or a past day's) RFM snapshot now")
async def refresh_rfm(body: RefreshIn, session: SessionDep, actor: ActorDep) -> RefreshedOut:
    refreshed = await do_refresh_rfm(session, actor, utcnow(), body.day)
    await session.commit()
    return RefreshedOut(day=refreshed.day, customers=refreshed.customers)


@router.get("/shop/crm-settings", summary="Read RFM thresholds, frequency cap, quiet hours")
async def read_crm_settings(session: SessionDep, actor: ActorDep) -> CrmSettingsOut:
    return CrmSettingsOut(**crm_settings((await get_shop(session, actor)).crm_settings))


@router.patch("/shop/crm-settings", summary="Change RFM thresholds, frequency cap, quiet hours")
async def update_crm_settings(
    body: CrmSettingsPatch, session: SessionDep, actor: ActorDep
) -> CrmSettingsOut:
    settings = await do_update_crm_settings(session, actor, **body.model_dump(exclude_unset=True))
    await session.commit()
    return CrmSettingsOut(**settings)
