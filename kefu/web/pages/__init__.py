"""Server-rendered pages (Jinja2 + HTMX). ``install_pages`` mounts them on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from kefu.errors import Invalid
from kefu.settings import Settings
from kefu.web import i18n
from kefu.web.pages import (
    auth,
    case_detail,
    cases,
    crm,
    growth,
    home,
    knowledge,
    phrases,
    quality,
    rate,
    report_analysis,
    reports,
    shop_data,
    unsubscribe,
    visitors,
    workspace,
)
from kefu.web.pages import settings as settings_pages
from kefu.web.pages.context import PageRedirect
from kefu.web.pages.rendering import render

WEB = Path(__file__).resolve().parent.parent


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    """The error page, in the request's language; the logged-in layout when possible."""
    settings: Settings = request.app.state.settings
    locale = getattr(request.state, "locale", None) or i18n.request_locale(
        request, None, settings.default_locale
    )
    page = getattr(request.state, "page", None)
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "page": page},
        status_code=status,
        locale=locale,
    )


async def refuse_nul_in_forms(request: Request) -> None:
    """Like the API: no NUL characters in the query or a posted form (PostgreSQL cannot
    compare them, so they would surface as a server error)."""
    if "%00" in request.url.query:
        raise Invalid("the query contains a NUL character")
    if request.method == "POST":
        values = (await request.form()).values()
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise Invalid("the form contains a NUL character")


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    for module in (
        auth,
        home,
        shop_data,
        crm,
        reports,
        settings_pages,
        workspace,
        phrases,
        knowledge,
        visitors,
        report_analysis,
        growth,
        quality,
        cases,
        case_detail,
        unsubscribe,
        rate,
    ):
        app.include_router(module.router, dependencies=[Depends(refuse_nul_in_forms)])

    @app.exception_handler(PageRedirect)
    async def page_redirect(_request: Request, exc: PageRedirect) -> Response:
        return Response(status_code=303, headers={"Location": exc.location})
