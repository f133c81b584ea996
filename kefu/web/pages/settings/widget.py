"""Settings → chat widget: announcement lines, greeting, promised reply times, and the tag
to paste into the shop's site (owners)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.widget import do_update_widget_settings
from kefu.lib.widget import MAX_ANNOUNCEMENTS, widget_settings
from kefu.queries.shops import get_shop
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text, whole_number

router = APIRouter(include_in_schema=False)
MSG_WIDGET_SAVED = N_("Chat widget saved.")
MINUTES = ("reply_minutes_open", "reply_minutes_closed")


def _snippet(request: Request, slug: str) -> str:
    base = str(request.base_url).rstrip("/")
    return f'<script src="{base}/widget.js" data-shop="{slug}" async></script>'


async def _page(
    request: Request,
    session: SessionDep,
    page: PageDep,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    shop = await get_shop(session, page.actor)
    lines = list(values["announcements"]) + [""] * MAX_ANNOUNCEMENTS
    return render(
        request,
        "settings/widget.html",
        {
            "values": values,
            "lines": lines[:MAX_ANNOUNCEMENTS],
            "errors": errors,
            "snippet": _snippet(request, shop.slug),
        },
        status_code=status,
    )


@router.get("/settings/widget")
async def widget_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    shop = await get_shop(session, page.actor)
    return await _page(request, session, page, widget_settings(shop.widget_settings), {})


def _values(form: FormData) -> dict[str, Any]:
    return {
        "announcements": [
            line.strip() for line in form.getlist("announcement") if str(line).strip()
        ],
        "greeting": text(form, "greeting") or None,
        **{name: text(form, name) for name in MINUTES},
    }


@router.post("/settings/widget")
async def widget_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    values = _values(await request.form())
    try:
        changes = values | {name: whole_number(values[name], name) for name in MINUTES}
        await do_update_widget_settings(session, page.actor, **changes)
    except FormError as exc:
        return await _page(request, session, page, values, errors_of(exc, "announcements"), 422)
    await session.commit()
    return redirect("/settings/widget", flash=MSG_WIDGET_SAVED, request=request)
