"""Settings: webhooks (owners). The endpoints the API channel signs its events to — add
one (its secret is shown once), switch it off and on, delete it, send a test ping — and
the recent deliveries, where a dead letter can be sent again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.actions.webhooks import (
    WEBHOOK_EVENTS,
    do_create_webhook,
    do_delete_webhook,
    do_replay_delivery,
    do_test_webhook,
    do_update_webhook,
)
from kefu.models.webhooks import DeliveryState, WebhookEndpoint
from kefu.queries.webhooks import list_deliveries, list_webhooks
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text, texts

router = APIRouter(include_in_schema=False)

HOME = "/settings/webhooks"
EVENT_NAMES = {
    "message.created": N_("An agent's message (never an internal note)"),
    "conversation.changed": N_("A conversation changed: assigned, closed, rated …"),
    "campaign.message": N_("A campaign's message to a customer, for SMS or marketplace IM"),
    "webhook.test": N_("Test ping"),
}
MSG_TEST_QUEUED = N_("Test ping queued; it appears under deliveries once sent.")
MSG_REPLAYED = N_("Delivery queued again.")
MSG_DELETED = N_("Webhook deleted with its delivery history.")
MSG_SWITCHED_ON = N_("Webhook switched on.")
MSG_SWITCHED_OFF = N_("Webhook switched off; no events are sent to it.")


async def _page(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    created: WebhookEndpoint | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    dead_only = request.query_params.get("state") == DeliveryState.DEAD.value
    endpoints = await list_webhooks(session, page.actor)
    deliveries = await list_deliveries(
        session, page.actor, DeliveryState.DEAD if dead_only else None
    )
    context = {
        "endpoints": endpoints,
        "urls": {e.id: e.url for e in endpoints},
        "deliveries": deliveries,
        "dead_only": dead_only,
        "events": WEBHOOK_EVENTS,
        "event_names": EVENT_NAMES,
        "created": created,
        "values": values or {"event_types": list(WEBHOOK_EVENTS)},
        "errors": errors or {},
    }
    response = render(request, "settings/webhooks.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"  # the page may carry a new secret
    return response


@router.get(HOME)
async def webhooks_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _page(request, session, page)


@router.post(HOME)
async def webhook_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Answer with the page itself (no redirect): the secret is shown this once."""
    form = await request.form()
    values = {"url": text(form, "url"), "event_types": texts(form, "event_types")}
    try:
        created = await do_create_webhook(session, page.actor, **values)
    except FormError as exc:
        errors = errors_of(exc, "url")
        return await _page(request, session, page, values=values, errors=errors, status=422)
    await session.commit()
    return await _page(request, session, page, created=created)


@router.post(HOME + "/{webhook_id}/active")
async def webhook_switch(
    request: Request, session: SessionDep, page: PageDep, webhook_id: IdPath
) -> Response:
    active = text(await request.form(), "active") == "true"
    await do_update_webhook(session, page.actor, webhook_id, active=active)
    await session.commit()
    flash = MSG_SWITCHED_ON if active else MSG_SWITCHED_OFF
    return redirect(HOME, flash=flash, request=request)


@router.post(HOME + "/{webhook_id}/test")
async def webhook_test(
    request: Request, session: SessionDep, page: PageDep, webhook_id: IdPath
) -> Response:
    await do_test_webhook(session, page.actor, webhook_id)
    await session.commit()
    return redirect(HOME, flash=MSG_TEST_QUEUED, request=request)


@router.post(HOME + "/{webhook_id}/delete")
async def webhook_delete(
    request: Request, session: SessionDep, page: PageDep, webhook_id: IdPath
) -> Response:
    await do_delete_webhook(session, page.actor, webhook_id)
    await session.commit()
    return redirect(HOME, flash=MSG_DELETED, request=request)


@router.post(HOME + "/deliveries/{delivery_id}/replay")
async def delivery_replay(
    request: Request, session: SessionDep, page: PageDep, delivery_id: IdPath
) -> Response:
    await do_replay_delivery(session, page.actor, delivery_id)
    await session.commit()
    return redirect(HOME + "?state=dead", flash=MSG_REPLAYED, request=request)
