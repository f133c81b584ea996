"""Live visitors (/visitors): who is on the shop's site now, for agents and supervisors.

The page is rendered once; ``static/js/visitors.js`` reads ``GET /api/v1/visitors/live``
and then updates rows from the ``visitor.activity`` frames the agent WebSocket brings
whenever a shopper opens a page (no polling)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.web import i18n
from kefu.web.i18n import gettext as _
from kefu.web.pages.context import PageDep
from kefu.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
LIVE_MINUTES = 30  # visitors seen in the last half hour: one visit, as analytics count it


def _strings() -> dict[str, str]:
    """What the script shows, translated into the page's language."""
    return {
        "visitor": _("Visitor"),
        "new": _("New"),
        "returning": _("Returning"),
        "signed_in": _("Signed-in customer"),
        "empty": _("Nobody is browsing your site right now."),
        "connected": _("Live"),
        "reconnecting": _("Reconnecting…"),
        "error": _("Something went wrong; try again"),
    }


@router.get("/visitors")
async def visitors_page(request: Request, page: PageDep) -> Response:
    page.actor.require(Permission.HANDLE_CONVERSATIONS)
    token = i18n.activate(page.locale)
    try:
        strings = _strings()
    finally:
        i18n.deactivate(token)
    config = {
        "minutes": LIVE_MINUTES,
        "timezone": page.shop.timezone,
        "currency": page.shop.currency,
        "strings": strings,
    }
    return render(request, "workspace/visitors.html", {"config": config, "minutes": LIVE_MINUTES})
