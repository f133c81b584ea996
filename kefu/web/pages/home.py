"""The home page: a shop's figures at a glance and its latest orders."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.queries.orders import list_orders
from kefu.queries.overview import customer_names, shop_overview
from kefu.web.deps import SessionDep
from kefu.web.pages.context import PageDep
from kefu.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
RECENT_ORDERS = 6


@router.get("/")
async def home(request: Request, session: SessionDep, page: PageDep) -> Response:
    overview = await shop_overview(session, page.actor)
    recent = await list_orders(session, page.actor, limit=RECENT_ORDERS)
    names = await customer_names(session, page.actor, (o.customer_id for o in recent.items))
    return render(
        request, "home.html", {"overview": overview, "recent_orders": recent, "names": names}
    )
