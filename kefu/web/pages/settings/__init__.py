"""Settings pages. Each section checks its permission; an agent without any gets 403."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kefu.errors import Forbidden
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.rendering import environment
from kefu.web.pages.settings import (
    cases,
    email,
    keys,
    levels,
    people,
    quality,
    reports,
    shop,
    webhooks,
    widget,
)
from kefu.web.pages.settings.forms import sections_for

router = APIRouter(include_in_schema=False)
MSG_NO_SETTINGS = N_("Your role has no settings to manage.")


@router.get("/settings")
async def settings_home(page: PageDep) -> Response:
    """The first settings section this role may open."""
    sections = sections_for(page)
    if not sections:
        raise Forbidden(MSG_NO_SETTINGS)
    return redirect(sections[0][0])


for module in (shop, widget, quality, cases, people, levels, keys, webhooks, reports, email):
    router.include_router(module.router)

environment.globals["settings_sections"] = sections_for
