"""Lifecycle journeys: touchpoints the shop sets on deliveries, birthdays and lapsed
customers, each step with its delay, channel and message; per step what was sent, held
back (cap, opt-out, quiet hours) and converted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.crm.journeys import (
    MAX_STEPS,
    VARIABLES,
    StepResult,
    do_create_journey,
    do_delete_journey,
    do_update_journey,
    list_journeys,
    load_journey,
    step_results,
)
from kefu.models import CampaignChannel, Journey, JourneyTrigger
from kefu.models.base import utcnow
from kefu.web.api.v1.schemas import (
    ERROR_RESPONSES,
    ApiModel,
    CursorQuery,
    IdPath,
    LimitQuery,
    PageOut,
)
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["crm"], responses=ERROR_RESPONSES)
TEMPLATE_HELP = f"Up to 500 characters; variables: {', '.join(f'{{{v}}}' for v in VARIABLES)}"


class StepIn(ApiModel):
    delay_days: int = Field(description="Days after the trigger (0–365)", examples=[3])
    channel: CampaignChannel
    template: str = Field(description=TEMPLATE_HELP)


class JourneyIn(ApiModel):
    name: str = Field(max_length=100, examples=["签收关怀"])
    trigger: JourneyTrigger = Field(
        description="delivered: a shipment delivered; birthday: 10:00 shop time on the "
        "customer's birthday; lapsed: lapse_days after the last paid order"
    )
    lapse_days: int | None = Field(None, description="lapsed journeys only (7–730)")
    active: bool = True
    steps: list[StepIn] = Field(description=f"1 to {MAX_STEPS}, in order")


class JourneyPatch(ApiModel):
    """Only the fields sent are changed; ``steps`` replaces the list (kept by position)."""

    name: str | None = Field(None, max_length=100)
    lapse_days: int | None = None
    active: bool | None = None
    steps: list[StepIn] | None = None


class StepOut(ApiModel):
    id: int
    position: int
    delay_days: int
    channel: CampaignChannel
    template: str
    sent: int
    converted: int = Field(description="Customers who paid an order within the conversion days")
    revenue_cents: int
    waiting: int = Field(description="Waiting for quiet hours to end")
    capped: int = Field(description="Not sent: the customer was at the monthly cap")
    opted_out: int
    no_webhook: int = Field(description="Not sent: no active webhook takes campaign.message")
    unreachable: int = Field(description="Not sent: an e-mail step's customer has no address")
    no_mailbox: int = Field(description="Not sent: an e-mail step, no active mailbox")


class JourneyOut(ApiModel):
    id: int
    name: str
    trigger: JourneyTrigger
    lapse_days: int | None
    active: bool
    started_at: datetime = Field(description="Triggers from here on start the journey")
    scanned_until: datetime = Field(description="Steps due up to here were handled")
    created_at: datetime
    steps: list[StepOut]


def _out(journey: Journey, results: list[StepResult]) -> JourneyOut:
    steps = [
        StepOut(
            id=r.step.id,
            position=r.step.position,
            delay_days=r.step.delay_days,
            channel=r.step.channel,
            template=r.step.template,
            sent=r.sent,
            converted=r.converted,
            revenue_cents=r.revenue_cents,
            waiting=r.waiting,
            capped=r.capped,
            opted_out=r.opted_out,
            no_webhook=r.no_webhook,
            unreachable=r.unreachable,
            no_mailbox=r.no_mailbox,
        )
        for r in results
    ]
    fields = (
        "id",
        "name",
        "trigger",
        "lapse_days",
        "active",
        "started_at",
        "scanned_until",
        "created_at",
    )
    return JourneyOut(**{name: getattr(journey, name) for name in fields}, steps=steps)


async def _one(session: SessionDep, actor: ActorDep, journey: Journey) -> JourneyOut:
    return _out(journey, (await step_results(session, actor, [journey]))[journey.id])


def _steps(steps: list[StepIn] | None) -> list[dict[str, Any]] | None:
    return None if steps is None else [step.model_dump() for step in steps]


@router.get("/journeys", summary="List lifecycle journeys with each step's results")
async def get_journeys(
    session: SessionDep, actor: ActorDep, cursor: CursorQuery = None, limit: LimitQuery = 50
) -> PageOut[JourneyOut]:
    page = await list_journeys(session, actor, cursor, limit)
    results = await step_results(session, actor, page.items)
    return PageOut[JourneyOut](
        items=[_out(journey, results[journey.id]) for journey in page.items],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/journeys",
    status_code=201,
    summary="Create a journey",
    description="It handles the triggers from now on, not the shop's history.",
)
async def create_journey(body: JourneyIn, session: SessionDep, actor: ActorDep) -> JourneyOut:
    fields = body.model_dump() | {"steps": _steps(body.steps)}
    journey = await do_create_journey(session, actor, utcnow(), **fields)
    await session.commit()
    return await _one(session, actor, journey)


@router.get("/journeys/{journey_id}", summary="Read one journey with its steps' results")
async def get_journey(journey_id: IdPath, session: SessionDep, actor: ActorDep) -> JourneyOut:
    return await _one(session, actor, await load_journey(session, actor, journey_id))


@router.patch(
    "/journeys/{journey_id}",
    summary="Change a journey",
    description="Switched on again, a journey starts from now: nothing is sent late.",
)
async def update_journey(
    journey_id: IdPath, body: JourneyPatch, session: SessionDep, actor: ActorDep
) -> JourneyOut:
    changes = body.model_dump(exclude_unset=True)
    if "steps" in changes:
        changes["steps"] = _steps(body.steps)
    journey = await do_update_journey(session, actor, journey_id, utcnow(), **changes)
    await session.commit()
    return await _one(session, actor, journey)


@router.delete(
    "/journeys/{journey_id}",
    status_code=204,
    summary="Delete a journey",
    description="The messages it sent stay in the customers' history and count to the cap.",
)
async def delete_journey(journey_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_journey(session, actor, journey_id)
    await session.commit()
    return Response(status_code=204)
