"""Outbound webhooks of the API channel: endpoints (owners) and their deliveries."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field

from kefu.access import Permission
from kefu.actions.webhooks import (
    WEBHOOK_EVENTS,
    do_create_webhook,
    do_delete_webhook,
    do_replay_delivery,
    do_test_webhook,
    do_update_webhook,
)
from kefu.models.webhooks import DeliveryState, WebhookEndpoint
from kefu.queries.access import fetch_owned
from kefu.queries.webhooks import list_deliveries, list_webhooks
from kefu.web.api.v1.schemas import ERROR_RESPONSES, ApiModel, IdPath
from kefu.web.deps import ActorDep, SessionDep

router = APIRouter(tags=["webhooks"], responses=ERROR_RESPONSES)
EVENTS_HELP = f"Event types sent: {', '.join(WEBHOOK_EVENTS)}"


class WebhookOut(ApiModel):
    id: int
    url: str
    event_types: list[str] = Field(description=EVENTS_HELP)
    active: bool
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Signs every request (HMAC-SHA256); shown only now")


class WebhookIn(ApiModel):
    url: str = Field(max_length=2000, description="http:// or https:// address of the receiver")
    event_types: list[str] = Field(description=EVENTS_HELP)
    active: bool = True


class WebhookPatch(ApiModel):
    """Only the fields sent are changed."""

    url: str | None = Field(None, max_length=2000)
    event_types: list[str] | None = None
    active: bool | None = None


class DeliveryOut(ApiModel):
    id: int
    endpoint_id: int
    event: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


@router.get("/webhooks", summary="List the shop's webhook endpoints")
async def get_webhooks(session: SessionDep, actor: ActorDep) -> list[WebhookOut]:
    return [WebhookOut.model_validate(w) for w in await list_webhooks(session, actor)]


@router.post("/webhooks", status_code=201, summary="Add a webhook endpoint")
async def create_webhook(
    body: WebhookIn, session: SessionDep, actor: ActorDep
) -> WebhookCreatedOut:
    endpoint = await do_create_webhook(session, actor, **body.model_dump())
    await session.commit()
    return WebhookCreatedOut.model_validate(endpoint)


@router.get("/webhooks/{webhook_id}", summary="Read one webhook endpoint")
async def get_webhook(webhook_id: IdPath, session: SessionDep, actor: ActorDep) -> WebhookOut:
    endpoint = await fetch_owned(
        session, actor, WebhookEndpoint, webhook_id, "webhook", permission=Permission.MANAGE_SHOP
    )
    return WebhookOut.model_validate(endpoint)


@router.patch("/webhooks/{webhook_id}", summary="Change an endpoint's address, events or state")
async def update_webhook(
    webhook_id: IdPath, body: WebhookPatch, session: SessionDep, actor: ActorDep
) -> WebhookOut:
    changes = body.model_dump(exclude_unset=True)
    endpoint = await do_update_webhook(session, actor, webhook_id, **changes)
    await session.commit()
    return WebhookOut.model_validate(endpoint)


@router.delete("/webhooks/{webhook_id}", status_code=204, summary="Remove a webhook endpoint")
async def delete_webhook(webhook_id: IdPath, session: SessionDep, actor: ActorDep) -> Response:
    await do_delete_webhook(session, actor, webhook_id)
    await session.commit()
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/test", status_code=202, summary="Queue a test event to the endpoint"
)
async def test_webhook(webhook_id: IdPath, session: SessionDep, actor: ActorDep) -> DeliveryOut:
    delivery = await do_test_webhook(session, actor, webhook_id)
    await session.commit()
    return DeliveryOut.model_validate(delivery)


@router.get(
    "/webhook-deliveries", summary="List deliveries, newest first (state=dead: dead letters)"
)
async def get_deliveries(
    session: SessionDep, actor: ActorDep, state: DeliveryState | None = None
) -> list[DeliveryOut]:
    return [DeliveryOut.model_validate(d) for d in await list_deliveries(session, actor, state)]


@router.post(
    "/webhook-deliveries/{delivery_id}/replay",
    status_code=202,
    summary="Send a dead-lettered delivery again",
)
async def replay_delivery(delivery_id: IdPath, session: SessionDep, actor: ActorDep) -> DeliveryOut:
    delivery = await do_replay_delivery(session, actor, delivery_id)
    await session.commit()
    return DeliveryOut.model_validate(delivery)
