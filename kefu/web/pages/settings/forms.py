"""Reading forms (settings, list filters) and showing what an action refused, next to the
field."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.errors import Conflict, Invalid
from kefu.web.i18n import N_
from kefu.web.pages.context import Page

# The refusals a form shows inline; anything else (Forbidden, NotFound) is a whole page.
FormError = (Invalid, Conflict)
MSG_NOT_A_NUMBER = N_("Enter a whole number.")
MSG_BAD_DATE = N_("Enter a date as YYYY-MM-DD.")

# Settings sections: (path, icon, msgid, permission), in menu order.
SECTIONS: tuple[tuple[str, str, str, Permission], ...] = (
    ("/settings/shop", "store", N_("Shop profile"), Permission.MANAGE_SHOP),
    ("/settings/hours", "clock", N_("Business hours"), Permission.MANAGE_SHOP),
    ("/settings/widget", "headset", N_("Chat widget"), Permission.MANAGE_SHOP),
    ("/settings/quality", "check", N_("Reply quality"), Permission.MANAGE_SHOP),
    ("/settings/agents", "agent", N_("Agents"), Permission.MANAGE_AGENTS),
    ("/settings/teams", "team", N_("Teams"), Permission.MANAGE_AGENTS),
    ("/settings/levels", "agent", N_("Agent levels"), Permission.MANAGE_AGENTS),
    ("/settings/cases", "audit", N_("After-sales cases"), Permission.MANAGE_SLA),
    ("/settings/api-keys", "key", N_("API keys"), Permission.MANAGE_API_KEYS),
    ("/settings/webhooks", "globe", N_("Webhooks"), Permission.MANAGE_SHOP),
    ("/settings/reports", "calendar", N_("Scheduled reports"), Permission.SCHEDULE_REPORTS),
    ("/settings/email", "globe", N_("E-mail"), Permission.MANAGE_MAILBOX),
    ("/settings/audit", "audit", N_("Audit log"), Permission.VIEW_AUDIT),
)


def sections_for(page: Page) -> list[tuple[str, str, str]]:
    """The settings sections this agent's role may open."""
    return [(path, icon, text) for path, icon, text, perm in SECTIONS if page.actor.can(perm)]


def errors_of(
    exc: Invalid | Conflict, default_field: str, *, renamed: dict[str, str] | None = None
) -> dict[str, str]:
    """The refusal keyed by the form field it belongs to (``renamed`` maps the action's
    field names to the form's where they differ)."""
    field = exc.field or default_field
    return {(renamed or {}).get(field, field): exc.message}


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def whole_number(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise Invalid(MSG_NOT_A_NUMBER, field=field) from exc


def whole_or_text(value: str) -> int | str:
    """A number typed in a form as an int, anything else as typed: the action refuses it
    naming its field, as the API would."""
    return int(value) if value.isdigit() and len(value) < 10 else value


def ids(form: FormData, name: str) -> list[int]:
    return [int(v) for v in texts(form, name) if v.isdigit()]


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "true", "1")


def local_day(value: str, field: str) -> date | None:
    """A date typed in a filter (a day in the shop's time zone); None when left empty."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(MSG_BAD_DATE, field=field) from exc


def filter_days(date_from: str, date_to: str) -> tuple[date | None, date | None, dict[str, str]]:
    """The two date filters of a list page; a bad one drops both and is reported by field."""
    try:
        return local_day(date_from, "date_from"), local_day(date_to, "date_to"), {}
    except Invalid as exc:
        return None, None, {exc.field or "date_from": exc.message}
