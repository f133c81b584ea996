"""Agent growth pages: ``/agents/growth``, every agent's level and whether they are ready
for the next one (supervisors and owners); ``/agents/{id}/growth``, one agent's weekly
KPI trends, strengths and things to work on next to the team's median, their most
frequent quality findings, training records and level assessment. An agent opens only
their own; supervisors also promote and record training there.

The chart is drawn by ``static/js/growth.js`` with the vendored ECharts from the weekly
figures the page carries as JSON (no inline script: the pages' CSP forbids it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.agents import do_change_level
from kefu.actions.growth import do_add_training, do_delete_training
from kefu.models import Level, TrainingKind
from kefu.quality.rewrite import LABELS as FINDING_LABELS
from kefu.reports.case_csat import case_csat_by_agent
from kefu.reports.growth import (
    TREND_KPIS,
    agent_growth,
    assess_team,
    assessment_period,
    sees_everyones_growth,
)
from kefu.reports.kpis import KPI_BY_CODE, Unit
from kefu.web import i18n
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.i18n import gettext as _
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import MSG_BAD_DATE, FormError, errors_of, text

router = APIRouter(include_in_schema=False)
KPI_NAMES = {
    "first_response_seconds": N_("First response time"),
    "response_seconds": N_("Response time"),
    "fast_response_rate": N_("3-minute response rate"),
    "fcr_rate": N_("First-contact resolution"),
    "csat": N_("Customer satisfaction"),
    "average_rating": N_("Average rating"),
    "recovery_rate": N_("Service recovery rate"),
    "conversion_rate": N_("Inquiry conversion rate"),
    "revenue_cents": N_("Revenue"),
    "complaint_rate": N_("Complaint rate"),
    "negative_review_rate": N_("Negative review rate"),
    "sla_attainment": N_("SLA attainment"),
    "qa_score": N_("QA score"),
    "months": N_("Months at this level"),
    "conversations": N_("Conversations resolved"),
    "training_hours": N_("Training hours"),
}
MSG_PROMOTED = N_("Level changed.")
MSG_TRAINING_ADDED = N_("Training recorded.")
MSG_TRAINING_DELETED = N_("Training record deleted.")
MSG_BAD_HOURS = N_("Enter the hours as a number, such as 1.5.")


def figure(code: str, value: float | None, currency: str = "CNY") -> str:
    """A KPI or criterion figure as people read it: percentages, seconds, stars."""
    if value is None:
        return "—"
    unit = KPI_BY_CODE[code].unit if code in KPI_BY_CODE else Unit.COUNT
    if unit is Unit.RATIO:
        return f"{value * 100:.1f}%"
    if unit is Unit.SECONDS:
        return _("%(n)s s") % {"n": f"{value:.0f}"}
    if unit is Unit.CENTS:
        return f"{'¥' if currency == 'CNY' else currency + ' '}{value / 100:,.2f}"
    if unit is Unit.STARS:
        return f"{value:.2f}"
    return f"{value:g}" if code != "qa_score" else f"{value:.1f}"


def _chart_config(page: Page, growth: Any) -> dict[str, Any]:
    """What growth.js draws: one line per trend KPI, rates in % and times in seconds."""
    token = i18n.activate(page.locale)
    try:
        names = {code: _(KPI_NAMES[code]) for code in TREND_KPIS}
        axes = {"rate": _("Rate / score (%)"), "seconds": _("Seconds")}
        empty = _("No figures in these weeks yet.")
    finally:
        i18n.deactivate(token)
    series = []
    for code in TREND_KPIS:
        unit = KPI_BY_CODE[code].unit
        scale = 100 if unit is Unit.RATIO else 1
        values = [week.kpis[code] for week in growth.weeks]
        series.append(
            {
                "code": code,
                "name": names[code],
                "axis": "seconds" if unit is Unit.SECONDS else "rate",
                "data": [None if v is None else round(v * scale, 1) for v in values],
            }
        )
    return {
        "weeks": [week.start.isoformat() for week in growth.weeks],
        "series": series,
        "axes": axes,
        "empty": empty,
    }


async def _agent_page(
    request: Request,
    session: SessionDep,
    page: Page,
    agent_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    growth = await agent_growth(session, page.actor, agent_id)
    context = {
        "growth": growth,
        "names": KPI_NAMES,
        "figure": lambda code, value: figure(code, value, page.shop.currency),
        "finding_label": lambda code: FINDING_LABELS.get(code, (code, code))[
            0 if page.locale == "zh_CN" else 1
        ],
        "chart": _chart_config(page, growth),
        "manages": page.actor.can(Permission.MANAGE_AGENTS),
        "sees_team": sees_everyones_growth(page.actor),
        "levels": list(Level),
        "Level": Level,
        "kinds": list(TrainingKind),
        "values": values or {"held_on": growth.period.last_day.isoformat()},
        "errors": errors or {},
    }
    return render(request, "growth/agent.html", context, status_code=status)


@router.get("/agents/growth")
async def team_growth_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    team = await assess_team(session, page.actor)
    period = await assessment_period(session, page.actor.shop_id)
    context = {
        "team": team,
        "case_csat": await case_csat_by_agent(session, page.actor.shop_id, period),
        "names": KPI_NAMES,
        "Level": Level,
        "eligible_count": sum(1 for _agent, a in team if a.eligible),
    }
    return render(request, "growth/team.html", context)


@router.get("/agents/{agent_id}/growth")
async def agent_growth_page(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    return await _agent_page(request, session, page, agent_id)


@router.post("/agents/{agent_id}/growth/level")
async def change_level_form(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    form = await request.form()
    values = {"level": text(form, "level"), "reason": text(form, "reason")}
    try:
        await do_change_level(
            session, page.actor, agent_id, values["level"], values["reason"] or None
        )
    except FormError as exc:
        errors = errors_of(exc, "level")
        return await _agent_page(
            request, session, page, agent_id, values=values, errors=errors, status=422
        )
    await session.commit()
    return redirect(f"/agents/{agent_id}/growth", flash=MSG_PROMOTED, request=request)


TRAINING_FORM = ("title", "kind", "held_on", "hours", "score", "notes")


def _training_fields(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's texts as the action's fields, and what could not even be read."""
    fields: dict[str, Any] = dict(values)
    errors: dict[str, str] = {}
    try:
        fields["held_on"] = date.fromisoformat(values["held_on"])
    except ValueError:
        errors["held_on"] = MSG_BAD_DATE
    try:
        fields["hours"] = float(values["hours"])
    except ValueError:
        errors["hours"] = MSG_BAD_HOURS
    score = values["score"]
    fields["score"] = (int(score) if score.isdigit() else -1) if score else None
    return fields, errors


@router.post("/agents/{agent_id}/growth/trainings")
async def add_training_form(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath
) -> Response:
    form = await request.form()
    values = {name: text(form, name) for name in TRAINING_FORM}
    fields, errors = _training_fields(values)
    if not errors:
        try:
            await do_add_training(session, page.actor, agent_id, **fields)
        except FormError as exc:
            errors = errors_of(exc, "title")
    if errors:
        return await _agent_page(
            request, session, page, agent_id, values=values, errors=errors, status=422
        )
    await session.commit()
    return redirect(f"/agents/{agent_id}/growth", flash=MSG_TRAINING_ADDED, request=request)


@router.post("/agents/{agent_id}/growth/trainings/{training_id}/delete")
async def delete_training_form(
    request: Request, session: SessionDep, page: PageDep, agent_id: IdPath, training_id: IdPath
) -> Response:
    await do_delete_training(session, page.actor, agent_id, training_id)
    await session.commit()
    return redirect(f"/agents/{agent_id}/growth", flash=MSG_TRAINING_DELETED, request=request)
