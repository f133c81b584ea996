"""Settings → after-sales cases: the SLA policies per case type and priority (targets and
what a breach does: raise the priority, hand the case over), for owners and supervisors;
the shoppers' return window, how soon complaints and bad reviews are followed up,
whether shoppers get case progress by mail, the
custom-field JSON schemas per case type and the proactive-exception rules
(kefu.lib.proactive), for owners.

Every change goes through the actions of the API (kefu.actions.sla, kefu.actions.case_settings),
so a form is refused exactly as the API would refuse it, next to the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.case_settings import do_update_case_settings
from kefu.actions.sla import (
    POLICY_FIELDS,
    do_create_sla_policy,
    do_delete_sla_policy,
    do_update_sla_policy,
)
from kefu.errors import Invalid
from kefu.lib.cases import CasePriority, CaseType, case_settings
from kefu.lib.proactive import SPECS, Rule
from kefu.lib.sla import Reassign, default_targets
from kefu.models import Role
from kefu.queries.people import list_agents
from kefu.queries.shops import get_shop
from kefu.queries.sla import list_sla_policies
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, checked, errors_of, text, whole_or_text

router = APIRouter(include_in_schema=False)
PATH = "/settings/cases"
MSG_POLICY_ADDED = N_("SLA policy added.")
MSG_POLICY_SAVED = N_("SLA policy saved.")
MSG_POLICY_REMOVED = N_("SLA policy removed.")
MSG_WINDOW_SAVED = N_("Return window saved.")
MSG_FOLLOW_UP_SAVED = N_("Follow-up time saved.")
MSG_FIELDS_SAVED = N_("Custom fields saved.")
MSG_PROGRESS_MAIL_SAVED = N_("Progress mails saved.")
MSG_PROACTIVE_SAVED = N_("Proactive rules saved.")
RULE_LABELS = {
    Rule.STALLED: (N_("Stalled parcel"), N_("Days without a tracking event")),
    Rule.LATE: (N_("Late delivery"), N_("Hours after the promised delivery time")),
    Rule.OUT_OF_STOCK: (N_("Out of stock after payment"), N_("Stock at or below")),
    Rule.PRICE_ERROR: (N_("Price error"), N_("Percent of the product's price below")),
}
MAX_SCHEMA_CHARS = 20_000


def _policy_values(form: FormData) -> dict[str, Any]:
    """A policy as the form sent it: empty selects are "any"; numbers that are not
    numbers go to the action as they are, which refuses them naming the field. The named
    agent counts only with "a named agent" chosen (the select stays filled, hidden, when
    the person switches to another choice)."""
    reassign = text(form, "reassign") or Reassign.OFF.value
    agent = text(form, "reassign_agent_id") if reassign == Reassign.AGENT.value else ""
    return {
        "case_type": text(form, "case_type") or None,
        "priority": text(form, "priority") or None,
        "first_response_minutes": whole_or_text(text(form, "first_response_minutes")),
        "resolve_minutes": whole_or_text(text(form, "resolve_minutes")),
        "raise_priority": checked(form, "raise_priority"),
        "reassign": reassign,
        "reassign_agent_id": int(agent) if agent.isdigit() and len(agent) < 19 else None,
    }


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """A policy for the form's inputs (enum members as their text)."""
    return {k: getattr(v, "value", v) for k, v in values.items()}


async def _page(
    request: Request,
    session: SessionDep,
    page: Page,
    *,
    editing: tuple[str, dict[str, Any]] | None = None,
    errors: dict[str, str] | None = None,
    schemas: dict[str, str] | None = None,
    window: Any = None,
    rules: dict[str, dict[str, Any]] | None = None,
    hours: Any = None,
    status: int = 200,
) -> Response:
    """The page; after a refusal, the form that was sent (``editing``: which policy, or
    "new", with its values; ``schemas``; ``window``; ``rules``; ``hours``) comes back as typed, with
    the error."""
    page.actor.require(Permission.MANAGE_SLA)
    policies = [
        {"id": str(p.id), **_row({f: getattr(p, f) for f in POLICY_FIELDS})}
        for p in await list_sla_policies(session, page.actor)
    ]
    new = {"id": "new", **_row({"raise_priority": True, "reassign": Reassign.OFF})}
    if editing is not None:
        key, values = editing
        for row in [*policies, new]:
            if row["id"] == key:
                row.update(_row(values))
    agents = [
        a
        for a in (await list_agents(session, page.actor, active=True, limit=200)).items
        if a.role is not Role.ANALYST
    ]
    owner = page.actor.can(Permission.MANAGE_SHOP)
    settings = case_settings((await get_shop(session, page.actor)).case_settings)
    stored = settings["custom_fields"]
    context = {
        "policies": policies,
        "new": new,
        "editing": editing[0] if editing else None,
        "errors": errors or {},
        "agents": agents,
        "types": list(CaseType),
        "priorities": list(CasePriority),
        "modes": list(Reassign),
        "defaults": [(t, default_targets(t, CasePriority.NORMAL)) for t in CaseType],
        "owner": owner,
        "window": settings["return_window_days"] if window is None else window,
        "hours": settings["follow_up_hours"] if hours is None else hours,
        "progress_mail": settings["progress_mail"],
        "schemas": schemas
        if schemas is not None
        else {t: json.dumps(stored[t], ensure_ascii=False, indent=2) for t in stored},
        "rules": [
            (rule, *RULE_LABELS[rule], SPECS[rule], (rules or settings["proactive"])[rule.value])
            for rule in Rule
        ],
    }
    return render(request, "settings/cases.html", context, status_code=status)


@router.get(PATH)
async def cases_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _page(request, session, page)


@router.post(f"{PATH}/sla")
async def policy_add(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _policy_values(await request.form())
    try:
        await do_create_sla_policy(session, page.actor, **values)
    except FormError as exc:
        errors = errors_of(exc, "first_response_minutes")
        return await _page(
            request, session, page, editing=("new", values), errors=errors, status=422
        )
    await session.commit()
    return redirect(PATH, flash=MSG_POLICY_ADDED, request=request)


@router.post(f"{PATH}/sla/{{policy_id}}")
async def policy_save(
    request: Request, session: SessionDep, page: PageDep, policy_id: IdPath
) -> Response:
    values = _policy_values(await request.form())
    try:
        await do_update_sla_policy(session, page.actor, policy_id, **values)
    except FormError as exc:
        errors = errors_of(exc, "first_response_minutes")
        editing = (str(policy_id), values)
        return await _page(request, session, page, editing=editing, errors=errors, status=422)
    await session.commit()
    return redirect(PATH, flash=MSG_POLICY_SAVED, request=request)


@router.post(f"{PATH}/sla/{{policy_id}}/delete")
async def policy_remove(
    request: Request, session: SessionDep, page: PageDep, policy_id: IdPath
) -> Response:
    await do_delete_sla_policy(session, page.actor, policy_id)
    await session.commit()
    return redirect(PATH, flash=MSG_POLICY_REMOVED, request=request)


async def _save(
    request: Request,
    session: SessionDep,
    page: Page,
    field: str,
    value: Callable[[], Any],
    flash: str,
    **retyped: Any,
) -> Response:
    """Save one case setting (``field``) from a form: ``value`` reads it from what was
    typed; a refusal shows the page again as typed (``retyped``) with it beside the field."""
    try:
        await do_update_case_settings(session, page.actor, **{field: value()})
    except FormError as exc:
        errors = errors_of(exc, field)
        return await _page(request, session, page, errors=errors, status=422, **retyped)
    await session.commit()
    return redirect(PATH, flash=flash, request=request)


async def _save_number(
    request: Request, session: SessionDep, page: Page, field: str, retyped: str, flash: str
) -> Response:
    """A one-number form (``field``); ``retyped`` is the page's keyword for what was typed."""
    typed = text(await request.form(), field)
    return await _save(
        request, session, page, field, lambda: whole_or_text(typed), flash, **{retyped: typed}
    )


@router.post(f"{PATH}/return-window")
async def window_save(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _save_number(
        request, session, page, "return_window_days", "window", MSG_WINDOW_SAVED
    )


@router.post(f"{PATH}/follow-up")
async def follow_up_save(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _save_number(
        request, session, page, "follow_up_hours", "hours", MSG_FOLLOW_UP_SAVED
    )


@router.post(f"{PATH}/progress-mail")
async def progress_mail_save(request: Request, session: SessionDep, page: PageDep) -> Response:
    wanted = checked(await request.form(), "progress_mail")
    return await _save(
        request, session, page, "progress_mail", lambda: wanted, MSG_PROGRESS_MAIL_SAVED
    )


def _parsed_schemas(typed: dict[str, str]) -> dict[str, Any]:
    """The schemas typed per case type, parsed (an empty box: no custom fields); text that
    is not JSON is refused naming the case type's box, with where the parser stopped."""
    parsed: dict[str, Any] = {}
    for kind, source in typed.items():
        if not source:
            continue
        field = f"custom_fields.{kind}"
        if len(source) > MAX_SCHEMA_CHARS:
            raise Invalid(f"a schema has at most {MAX_SCHEMA_CHARS} characters", field=field)
        try:
            parsed[kind] = json.loads(source)
        except json.JSONDecodeError as exc:
            where = f"(line {exc.lineno}, column {exc.colno})"
            raise Invalid(f"not JSON: {exc.msg} {where}", field=field) from exc
    return parsed


@router.post(f"{PATH}/custom-fields")
async def fields_save(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    typed = {t.value: text(form, f"schema_{t.value}") for t in CaseType}
    return await _save(
        request,
        session,
        page,
        "custom_fields",
        lambda: _parsed_schemas(typed),
        MSG_FIELDS_SAVED,
        schemas=typed,
    )


def _signed_whole_or_text(value: str) -> int | str:
    """``whole_or_text`` that also takes a minus sign (a stock threshold may be negative)."""
    if value.startswith("-") and value[1:].isdigit() and len(value) < 10:
        return int(value)
    return whole_or_text(value)


@router.post(f"{PATH}/proactive")
async def proactive_save(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    typed = {
        rule.value: {
            "enabled": checked(form, f"enabled_{rule.value}"),
            "threshold": _signed_whole_or_text(text(form, f"threshold_{rule.value}")),
            "notice": text(form, f"notice_{rule.value}"),
        }
        for rule in Rule
    }
    return await _save(
        request, session, page, "proactive", lambda: typed, MSG_PROACTIVE_SAVED, rules=typed
    )
