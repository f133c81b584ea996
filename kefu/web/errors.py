"""One error body everywhere: ``{"error": {"code", "message", "field"}}``.

Pages get the same information as an HTML page (or a redirect to the login form);
nothing ever shows a traceback. ``message`` is English unless the request asks for
another language with ``Accept-Language`` (the workspace script sends the user's), so a
person reading it gets it in their language while ``code`` stays the same for programs."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.errors import DomainError, InvalidRows
from kefu.web.messages import in_accepted_language

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    423: "locked",
    429: "rate_limited",
}


def error_body(
    code: str, message: str, field: str | None = None, rows: list[Any] | None = None
) -> dict[str, Any]:
    """The one error body; ``rows`` only for a file with bad rows (``InvalidRows``)."""
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if rows is not None:
        body["rows"] = rows
    return {"error": body}


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def _login_redirect(request: Request) -> Response:
    """Back to the login form, coming back here afterwards (HTMX reloads the whole page)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(here, safe='/')}"
    if "hx-request" in request.headers:
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def _in_accepted_language(request: Request, message: str) -> str:
    """``message`` in the language the request accepts, or as it is without one."""
    return in_accepted_language(request.headers.get("accept-language"), message)


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None,
    rows: list[Any] | None = None,
) -> Response:
    if _wants_html(request):
        if status == 401:
            return _login_redirect(request)
        render = request.app.state.render_error
        return render(request, status, message)
    message = _in_accepted_language(request, message)
    return JSONResponse(error_body(code, message, field, rows), status_code=status)


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or None


def _validation_message(error: dict[str, Any]) -> str:
    field = _field_of(tuple(error.get("loc", ())))
    message = str(error.get("msg", "invalid value"))
    return f"{field}: {message}" if field else message


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        rows = exc.rows if isinstance(exc, InvalidRows) else None
        return _respond(request, exc.status, exc.code, exc.message, exc.field, rows)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        return _respond(
            request,
            422,
            "invalid",
            _validation_message(first),
            _field_of(tuple(first.get("loc", ()))),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        response = _respond(request, exc.status_code, code, message, None)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "internal", "something went wrong on our side", None)
