"""Settings: API keys (create and see the secret once, revoke) and the audit log (owners)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.api_keys import do_create_api_key, do_revoke_api_key
from kefu.queries.audit import list_audit
from kefu.queries.people import list_api_keys
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render, render_list
from kefu.web.pages.settings.forms import FormError, errors_of, filter_days, text

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 50
ACTOR_KINDS = (("agent", N_("Agent")), ("api_key", N_("API key")), ("system", N_("System")))
# Columns every row has; the audit page shows what changed, not these.
AUDIT_NOISE = frozenset({"id", "shop_id", "created_at", "updated_at"})
MSG_KEY_REVOKED = N_("API key revoked; requests with it are refused from now on.")


async def _keys_page(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    created: tuple[Any, str] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "keys": await list_api_keys(session, page.actor),
        "created": created,
        "values": values or {},
        "errors": errors or {},
    }
    response = render(request, "settings/api_keys.html", context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/settings/api-keys")
async def keys_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _keys_page(request, session, page)


@router.post("/settings/api-keys")
async def key_create(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Answer with the page itself (no redirect): the secret is shown this once."""
    values = {"name": text(await request.form(), "name")}
    try:
        created = await do_create_api_key(session, page.actor, name=values["name"])
    except FormError as exc:
        return await _keys_page(
            request, session, page, values=values, errors=errors_of(exc, "name"), status=422
        )
    await session.commit()
    return await _keys_page(request, session, page, created=created)


@router.post("/settings/api-keys/{key_id}/revoke")
async def key_revoke(
    request: Request, session: SessionDep, page: PageDep, key_id: IdPath
) -> Response:
    await do_revoke_api_key(session, page.actor, key_id)
    await session.commit()
    return redirect("/settings/api-keys", flash=MSG_KEY_REVOKED, request=request)


@router.get("/settings/audit")
async def audit_page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    entity: str = "",
    actor_kind: str = "",
    action: str = "",
    date_from: str = "",
    date_to: str = "",
    cursor: str = "",
) -> Response:
    """Filters as in the API; the dates are days in the shop's time zone, ``date_to``
    exclusive (entries before that day)."""
    page.actor.require(Permission.VIEW_AUDIT)
    filters = {
        "entity": entity.strip(),
        "actor_kind": actor_kind,
        "action": action.strip(),
        "date_from": date_from,
        "date_to": date_to,
    }
    first, before, errors = filter_days(date_from, date_to)
    audit = partial(
        list_audit,
        session,
        page.actor,
        entity=filters["entity"] or None,
        actor_kind=actor_kind or None,
        action=filters["action"] or None,
        cursor=cursor or None,
        limit=AUDIT_PAGE,
    )
    try:
        result = await audit(date_from=first, date_to=before)
    except FormError as exc:  # the days are the wrong way round: show it, list without them
        errors = errors_of(exc, "date_to")
        result = await audit()
    context = {
        "result": result,
        "filters": filters,
        "errors": errors,
        "actor_kinds": ACTOR_KINDS,
        "actor_kind_names": dict(ACTOR_KINDS),
        "audit_noise": AUDIT_NOISE,
        "paged": bool(cursor),
    }
    return render_list(request, "settings/audit.html", "settings/_audit_table.html", context)
