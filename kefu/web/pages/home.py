"""The home page: a shop's figures at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.queries.overview import shop_overview
from kefu.web.deps import SessionDep
from kefu.web.pages.context import PageDep
from kefu.web.pages.rendering import render

router = APIRouter()


@router.get("/", include_in_schema=False)
async def home(request: Request, session: SessionDep, page: PageDep) -> Response:
    overview = await shop_overview(session, page.actor)
    return render(request, "home.html", {"page": page, "overview": overview})
