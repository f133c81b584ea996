"""Server-rendered pages (Jinja2 + HTMX). ``install_pages`` mounts them on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kefu.settings import Settings

WEB = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=WEB / "templates")


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def install_pages(app: FastAPI, settings: Settings) -> None:
    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
