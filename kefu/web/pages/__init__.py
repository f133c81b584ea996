"""Server-rendered pages (Jinja2 + HTMX). ``install_pages`` mounts them on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from kefu.settings import Settings
from kefu.web import i18n
from kefu.web.pages import auth, home, shop_data
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


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    for module in (auth, home, shop_data, settings_pages):
        app.include_router(module.router)

    @app.exception_handler(PageRedirect)
    async def page_redirect(_request: Request, exc: PageRedirect) -> Response:
        return Response(status_code=303, headers={"Location": exc.location})
