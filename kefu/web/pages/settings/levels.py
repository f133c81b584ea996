"""Settings → agent levels: what an agent needs before 中级 and before 高级 (owners and
supervisors). Rates are typed in percent and money in yuan, as people read them; they
are stored as the KPIs compute them (0–1, cents). A KPI left empty is not required."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.growth import do_update_level_settings
from kefu.models import Level
from kefu.queries.shops import get_shop
from kefu.reports.kpis import KPI_BY_CODE, Unit
from kefu.reports.levels import AGENT_KPIS, COUNTS, DEFAULTS, level_settings
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.growth import KPI_NAMES
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text

router = APIRouter(include_in_schema=False)
HOME = "/settings/levels"
MSG_LEVELS_SAVED = N_("Promotion criteria saved.")
MSG_NOT_A_FIGURE = N_("Enter a number, or leave it empty.")
MSG_KPI_RANGE = N_(
    "Enter a figure in range: 0–100 for % and points, 1–5 for stars, 0 or more for "
    "seconds and yuan."
)
# What a typed figure is multiplied by to show it, and divided by to store it.
SHOWN_AS = {Unit.RATIO: 100, Unit.CENTS: 100}
UNIT_NAMES = {
    Unit.RATIO: "%",
    Unit.SECONDS: N_("seconds"),
    Unit.CENTS: N_("yuan"),
    Unit.STARS: N_("stars"),
    Unit.SCORE: N_("points"),
}
COUNT_NAMES = {
    "min_months": N_("Months at the current level, at least"),
    "min_conversations": N_("Conversations resolved in the last 90 days, at least"),
    "min_training_hours": N_("Training hours since reaching the level, at least"),
}


def _factor(code: str) -> int:
    return SHOWN_AS.get(KPI_BY_CODE[code].unit, 1)


def _shown(value: float | None, factor: int = 1) -> str:
    return "" if value is None else f"{round(value * factor, 4):g}"


def _values(settings: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The criteria in force as the form's texts."""
    values = {}
    for level, criteria in settings.items():
        for name in COUNTS:
            values[f"{level}.{name}"] = _shown(criteria[name])
        for code in AGENT_KPIS:
            values[f"{level}.kpis.{code}"] = _shown(criteria["kpis"].get(code), _factor(code))
    return values


def _number(values: dict[str, str], name: str, errors: dict[str, str]) -> float | None:
    typed = values[name].replace(",", "")
    if not typed:
        return None
    try:
        return float(typed)
    except ValueError:
        errors[name] = MSG_NOT_A_FIGURE
        return None


def _criteria(values: dict[str, str], errors: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The typed criteria as the action takes them (counts left empty stay as they are)."""
    changes: dict[str, dict[str, Any]] = {}
    for level in DEFAULTS:
        fields: dict[str, Any] = {}
        for name in COUNTS:
            figure = _number(values, f"{level}.{name}", errors)
            if figure is not None:
                whole = name != "min_training_hours" and figure.is_integer()
                fields[name] = int(figure) if whole else figure
        kpis = {}
        for code in AGENT_KPIS:
            figure = _number(values, f"{level}.kpis.{code}", errors)
            if figure is not None:
                kpis[code] = figure / _factor(code)
        changes[level] = fields | {"kpis": kpis}
    return changes


def _context(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    kpis = [
        {
            "code": code,
            "name": KPI_NAMES[code],
            "unit": UNIT_NAMES.get(KPI_BY_CODE[code].unit, ""),
            "maximum": KPI_BY_CODE[code].lower_is_better,
        }
        for code in AGENT_KPIS
    ]
    return {
        "Level": Level,
        "levels": list(DEFAULTS),
        "counts": COUNT_NAMES,
        "kpis": kpis,
        "values": values,
        "errors": errors,
    }


@router.get(HOME)
async def levels_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    settings = level_settings((await get_shop(session, page.actor)).level_settings)
    return render(request, "settings/levels.html", _context(_values(settings), {}))


def _form_values(form: FormData) -> dict[str, str]:
    names = [f"{level}.{name}" for level in DEFAULTS for name in COUNTS]
    names += [f"{level}.kpis.{code}" for level in DEFAULTS for code in AGENT_KPIS]
    return {name: text(form, name) for name in names}


@router.post(HOME)
async def levels_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_AGENTS)
    values = _form_values(await request.form())
    errors: dict[str, str] = {}
    changes = _criteria(values, errors)
    if not errors:
        try:
            await do_update_level_settings(session, page.actor, **changes)
        except FormError as exc:
            errors = errors_of(exc, "intermediate.min_months")
            if ".kpis." in (exc.field or ""):  # the action's range is 0–1, the form's %
                errors = {exc.field: MSG_KPI_RANGE}
    if errors:
        context = _context(values, errors)
        return render(request, "settings/levels.html", context, status_code=422)
    await session.commit()
    return redirect(HOME, flash=MSG_LEVELS_SAVED, request=request)
