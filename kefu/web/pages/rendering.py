"""The Jinja2 environment of the pages: auto-escaping, i18n, display filters.

Everything a shopper, agent or integrator typed reaches templates as plain strings and is
escaped on output; no filter here marks data as safe."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from kefu.models import Level, OrderStatus, Presence, Role, ShipmentStatus, Skill
from kefu.web import i18n
from kefu.web.case_display import countdown, countdown_text
from kefu.web.labels import label
from kefu.web.messages import translate_message

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_TIMEZONE = "Asia/Shanghai"
LANG_COOKIE_DAYS = 365
FLASH_COOKIE = "kefu_flash"


def money(cents: int | None, currency: str = "CNY") -> str:
    """Integer cents (分) as ``¥1,234.50``."""
    if cents is None:
        return "—"
    symbol = "¥" if currency == "CNY" else f"{currency} "
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{part:02d}"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_time(
    value: datetime | date | None, timezone: str | None, fmt: str = "%Y-%m-%d %H:%M"
) -> str:
    """A stored UTC time shown in the shop's time zone."""
    if value is None:
        return "—"
    if not isinstance(value, datetime):
        return value.isoformat()
    return value.astimezone(_zone(timezone)).strftime(fmt)


def translate(message: str | None) -> str:
    """Translate a message that came from code (an error, a label) as plain text, so
    anything it carries is still escaped on output."""
    if not message:
        return ""
    return translate_message(message)


def here_with(request: Request, **params: str | None) -> str:
    """This page's path and query with ``params`` changed (``None`` drops one); a relative
    link, so pages work behind any host name."""
    query = dict(request.query_params)
    for key, value in params.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def compact_json(value: Any, limit: int = 80) -> str:
    """A stored value (audit before/after) as short readable JSON, Chinese kept as is."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = money
    env.filters["tr"] = translate
    env.filters["label"] = label
    env.filters["label_pair"] = lambda member: (member.value, label(member))
    env.filters["translated_pair"] = lambda pair: (pair[0], translate(pair[1]))
    env.filters["pair"] = lambda value: (value, value)
    env.filters["compact_json"] = compact_json
    env.filters["sla_countdown"] = countdown
    env.filters["countdown_text"] = countdown_text
    env.globals["locale_names"] = i18n.LOCALE_NAMES
    env.globals["here_with"] = here_with
    env.globals.update(OrderStatus=OrderStatus, ShipmentStatus=ShipmentStatus, Skill=Skill)
    env.globals.update(Level=Level, Role=Role, Presence=Presence)
    return env


environment = make_environment()


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    locale: str | None = None,
) -> HTMLResponse:
    """Render ``template`` in the request's language (chosen by the page dependency)."""
    locale = locale or getattr(request.state, "locale", None) or i18n.LOCALES[0]
    timezone = getattr(getattr(request.state, "shop", None), "timezone", None)
    page = getattr(request.state, "page", None)
    values = {
        "request": request,
        "page": page,
        "locale": locale,
        "html_lang": i18n.HTML_LANG[locale],
        "timezone": timezone,
        "local_time": lambda value, fmt="%Y-%m-%d %H:%M": local_time(value, timezone, fmt),
        **(context or {}),
    }
    token = i18n.activate(locale)
    try:
        html = environment.get_template(template).render(values)
    finally:
        i18n.deactivate(token)
    response = HTMLResponse(html, status_code=status_code)
    secure = request.app.state.settings.secure_cookies
    if i18n.chosen_locale(request):
        response.set_cookie(
            i18n.LANG_COOKIE,
            locale,
            max_age=LANG_COOKIE_DAYS * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
    if getattr(page, "flash", None):
        response.delete_cookie(FLASH_COOKIE)
    return response


def render_list(
    request: Request, full: str, fragment: str, context: dict[str, Any]
) -> HTMLResponse:
    """A list page, or only its results for an HTMX filter or paging request."""
    wants_fragment = request.headers.get("hx-request") == "true"
    return render(request, fragment if wants_fragment else full, context)
