"""The current shop's settings: profile, business hours, holidays (changes: owners only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.case_settings import do_update_case_settings
from kefu.actions.quality import do_update_quality_settings, quality_settings
from kefu.actions.shops import (
    do_add_holiday,
    do_remove_holiday,
    do_set_business_hours,
    do_update_shop_profile,
)
from kefu.actions.widget import do_update_widget_settings
from kefu.lib.cases import case_settings
from kefu.lib.widget import (
    MAX_GREETING_LENGTH,
    MAX_REPLY_MINUTES,
    widget_settings,
)
from kefu.models.base import utcnow
from kefu.queries.shops import get_shop, list_holidays, shop_calendar
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/shop", tags=["shop"], responses=ERROR_RESPONSES)

Hours = dict[str, list[list[str]]]
HOURS_EXAMPLE = {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "sun": []}


class ShopOut(ApiModel):
    id: int
    slug: str
    name: str
    timezone: str = Field(description="IANA time zone, e.g. Asia/Shanghai")
    locale: str = Field(description="zh_CN or en")
    currency: str = Field(description="ISO 4217 code; amounts are integer cents (分)")
    contact_email: str | None
    conversation_retention_days: int = Field(
        description="Closed conversations are deleted this many days after closing; 0: kept"
    )


class ShopPatch(ApiModel):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64, description="IANA name, e.g. Asia/Shanghai")
    locale: Literal["zh_CN", "en"] | None = None
    currency: str | None = Field(None, min_length=3, max_length=3, description="e.g. CNY")
    contact_email: str | None = Field(None, max_length=254, description="Empty string clears it")
    conversation_retention_days: int | None = Field(
        None, ge=0, le=3650, description="30–3650 days after closing, or 0 to keep for ever"
    )


class BusinessHoursIn(ApiModel):
    hours: Hours = Field(
        description="Weekday (mon..sun) → list of [opens, closes] in HH:MM, shop time; "
        "a missing or empty day is closed; 24:00 closes at midnight",
        examples=[HOURS_EXAMPLE],
    )


class BusinessHoursOut(BusinessHoursIn):
    timezone: str
    open_now: bool = Field(description="Open at this moment (holidays counted)")
    next_open: datetime | None = Field(description="When it opens next (UTC); null if never")


class HolidayIn(ApiModel):
    day: date = Field(description="A local date on which the shop is closed all day")
    name: str = Field(min_length=1, max_length=100, examples=["国庆节"])
    hours: list[list[str]] | None = Field(
        None,
        description="null: closed all day; a list of [opens, closes] (HH:MM): a make-up "
        "working day (调休上班) open these hours instead of the weekly ones",
        examples=[None, [["09:00", "18:00"]]],
    )


class HolidayOut(HolidayIn):
    id: int


class InvitationRuleIn(ApiModel):
    """Invite a visitor to chat when every condition set holds (at least one must be)."""

    id: str | None = Field(
        None,
        max_length=16,
        description="Keep a rule's id when editing it so its counts stay with it; "
        "omitted: derived from the rule",
    )
    message: str = Field(max_length=200, examples=["亲，这款有什么想了解的吗？"])
    product_page_seconds: int | None = Field(None, ge=0, description="On a product page this long")
    cart_above_cents: int | None = Field(None, ge=0, description="A cart worth more than this")
    returning_only: bool = Field(False, description="Only visitors seen on an earlier day")


class WidgetSettingsOut(ApiModel):
    announcements: list[str] = Field(description="Lines the widget rotates (at most 5)")
    greeting: str | None = Field(description="Sent when a shopper opens the widget; null: default")
    reply_minutes_open: int = Field(description="Promised reply time within business hours")
    reply_minutes_closed: int = Field(description="Promised reply time outside business hours")
    invitations: list[InvitationRuleIn] = Field(
        description="Proactive invitations, first match wins"
    )


class WidgetSettingsPatch(ApiModel):
    """Only the fields sent are changed."""

    announcements: list[str] | None = Field(
        None,
        description="At most 5 lines of at most 100 characters",
        examples=[["双11全场满299减50", "顺丰包邮，48小时发货"]],
    )
    greeting: str | None = Field(None, max_length=MAX_GREETING_LENGTH, description="Empty: default")
    reply_minutes_open: int | None = Field(None, ge=1, le=MAX_REPLY_MINUTES)
    reply_minutes_closed: int | None = Field(None, ge=1, le=MAX_REPLY_MINUTES)
    invitations: list[InvitationRuleIn] | None = Field(None, description="Replaces all rules")


@router.get("/widget", summary="Read the chat widget's announcements, greeting and reply times")
async def read_widget_settings(session: SessionDep, actor: ActorDep) -> WidgetSettingsOut:
    shop = await get_shop(session, actor)
    return WidgetSettingsOut(**widget_settings(shop.widget_settings))


@router.patch("/widget", summary="Change the chat widget's texts and promised reply times")
async def update_widget_settings(
    body: WidgetSettingsPatch, session: SessionDep, actor: ActorDep
) -> WidgetSettingsOut:
    settings = await do_update_widget_settings(
        session, actor, **body.model_dump(exclude_unset=True)
    )
    await session.commit()
    return WidgetSettingsOut(**settings)


class CaseSettingsOut(ApiModel):
    custom_fields: dict[str, dict[str, Any]] = Field(
        description="Case type → JSON schema (draft 2020-12, an object) of its custom fields"
    )
    limits: dict[str, dict[str, int]] = Field(
        description="Agent level → compensation kind → cents an agent of that level may "
        "grant without a supervisor's approval (a kind left out always needs approval)"
    )
    return_window_days: int = Field(
        description="Days after delivery a shopper may ask for a return, exchange or refund "
        "in the widget (default 7: 7天无理由退货)"
    )
    proactive: dict[str, dict[str, Any]] = Field(
        description="Proactive-exception rules (`stalled`, `late`, `out_of_stock`, "
        "`price_error`) → `enabled`, `threshold` (days without tracking; hours of grace "
        "after the promised time; stock at or below which a product is out; percent of "
        "the product's price) and `notice` (the text sent to the shopper, with "
        "{客户昵称} {订单号} {物流单号} {商品名}; empty: no notice). See docs/cases.md"
    )
    follow_up_hours: int = Field(
        description="Hours within which a complaint or bad review is followed up (回访): "
        "a follow-up case falls due this long after it opens (default 24)"
    )
    progress_mail: bool = Field(
        description="Shoppers get a mail when an agent moves their case to another status "
        "or replies to them publicly (needs the shop's active mailbox and the shopper's "
        "address; default true). See docs/cases.md#progress-mails"
    )


class CaseSettingsPatch(ApiModel):
    """Only the fields sent are replaced (each as a whole)."""

    custom_fields: dict[str, dict[str, Any]] | None = Field(
        None,
        examples=[
            {
                "quality": {
                    "type": "object",
                    "properties": {"颜色": {"type": "string"}},
                    "required": ["颜色"],
                }
            }
        ],
    )
    limits: dict[str, dict[str, int]] | None = Field(
        None, examples=[{"junior": {"coupon": 3000}, "senior": {"refund": 80000}}]
    )
    return_window_days: int | None = Field(None, examples=[15])
    proactive: dict[str, dict[str, Any]] | None = Field(
        None,
        description="Only the rules and fields sent change",
        examples=[{"stalled": {"threshold": 5}, "price_error": {"enabled": True}}],
    )
    follow_up_hours: int | None = Field(None, ge=1, le=720, examples=[12])
    progress_mail: bool | None = Field(None, examples=[False])


@router.get("/case-settings", summary="Read the custom fields of case types and agents' limits")
async def read_case_settings(session: SessionDep, actor: ActorDep) -> CaseSettingsOut:
    shop = await get_shop(session, actor)
    return CaseSettingsOut(**case_settings(shop.case_settings))


async def _patched(
    change: Callable[..., Awaitable[dict[str, Any]]],
    body: ApiModel,
    session: AsyncSession,
    actor: Actor,
) -> dict[str, Any]:
    """Apply the fields a PATCH sent with the action ``change`` and commit; returns the
    complete settings."""
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    settings = await change(session, actor, **fields)
    await session.commit()
    return settings


@router.patch(
    "/case-settings",
    summary="Change custom-field schemas, compensation limits, the return window, the "
    "follow-up hours or the progress mails",
)
async def update_case_settings(
    body: CaseSettingsPatch, session: SessionDep, actor: ActorDep
) -> CaseSettingsOut:
    return CaseSettingsOut(**await _patched(do_update_case_settings, body, session, actor))


class QualitySettingsOut(ApiModel):
    blocking: list[str] = Field(
        description="Finding codes that stop an agent's reply from being sent (422); "
        "other findings only warn. Default: none"
    )
    scorecard: dict[str, Any] = Field(
        description="The scorecard's `criteria` (key → `weight` 0–100, `enabled`, and "
        "`limit_seconds` for greeting and response_time) and `finding_penalty` (points "
        "off per finding); see docs/quality.md#scorecards"
    )


class QualitySettingsPatch(ApiModel):
    """Only the fields sent are changed."""

    blocking: list[str] | None = Field(None, examples=[["contempt", "quarrel"]])
    scorecard: dict[str, Any] | None = Field(
        None,
        description="Criteria fields and penalty to change; those not sent keep their value",
        examples=[{"criteria": {"response_time": {"limit_seconds": 120}}, "finding_penalty": 3}],
    )


@router.get("/quality", summary="Read which quality findings block sending a reply")
async def read_quality_settings(session: SessionDep, actor: ActorDep) -> QualitySettingsOut:
    stored = (await get_shop(session, actor)).quality_settings
    return QualitySettingsOut(**quality_settings(stored))


@router.patch("/quality", summary="Choose which quality findings block sending a reply")
async def update_quality_settings(
    body: QualitySettingsPatch, session: SessionDep, actor: ActorDep
) -> QualitySettingsOut:
    return QualitySettingsOut(**await _patched(do_update_quality_settings, body, session, actor))


@router.get("", summary="Read the shop profile")
async def read_shop(session: SessionDep, actor: ActorDep) -> ShopOut:
    return ShopOut.model_validate(await get_shop(session, actor))


@router.patch("", summary="Change the shop's name, time zone, language, currency or e-mail")
async def update_shop(body: ShopPatch, session: SessionDep, actor: ActorDep) -> ShopOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    shop = await do_update_shop_profile(session, actor, **changes)
    await session.commit()
    return ShopOut.model_validate(shop)


async def _hours_out(session: AsyncSession, actor: Actor) -> BusinessHoursOut:
    calendar = await shop_calendar(session, actor)
    now = utcnow()
    try:
        next_open: datetime | None = calendar.next_open(now)
    except ValueError:
        next_open = None
    return BusinessHoursOut(
        hours=calendar.hours,
        timezone=calendar.timezone,
        open_now=calendar.is_open(now),
        next_open=next_open,
    )


@router.get("/business-hours", summary="Read the weekly business hours")
async def read_business_hours(session: SessionDep, actor: ActorDep) -> BusinessHoursOut:
    return await _hours_out(session, actor)


@router.put("/business-hours", summary="Replace the weekly business hours")
async def set_business_hours(
    body: BusinessHoursIn, session: SessionDep, actor: ActorDep
) -> BusinessHoursOut:
    await do_set_business_hours(session, actor, body.hours)
    await session.commit()
    return await _hours_out(session, actor)


@router.get("/holidays", summary="List holidays")
async def get_holidays(session: SessionDep, actor: ActorDep) -> list[HolidayOut]:
    return [HolidayOut.model_validate(h) for h in await list_holidays(session, actor)]


@router.post(
    "/holidays",
    status_code=201,
    summary="Add a holiday (closed all day) or a make-up working day (with hours)",
)
async def add_holiday(body: HolidayIn, session: SessionDep, actor: ActorDep) -> HolidayOut:
    holiday = await do_add_holiday(session, actor, day=body.day, name=body.name, hours=body.hours)
    await session.commit()
    return HolidayOut.model_validate(holiday)


@router.delete("/holidays/{holiday_id}", status_code=204, summary="Remove a holiday")
async def remove_holiday(holiday_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_remove_holiday(session, actor, holiday_id)
    await session.commit()
    return Response(status_code=204)
