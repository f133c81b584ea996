"""Quality pages: ``/quality``, the scorecards (filtered), this week's review sample, the
coaching notes and the weekly averages per agent and team; ``/quality/scorecards/{id}``,
one scorecard with its criteria and reasons, the link to the conversation, its coaching
notes and the forms to review, dispute, decide, coach and acknowledge
(docs/quality.md#scorecards). Agents see their own cards and notes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.coaching import do_acknowledge_coaching, do_write_coaching
from kefu.actions.scorecards import do_decide_scorecard, do_dispute_scorecard, do_review_scorecard
from kefu.models.quality import ScorecardStatus
from kefu.quality.rewrite import LABELS as FINDING_LABELS
from kefu.queries.coaching import list_coaching, load_note
from kefu.queries.people import list_agents
from kefu.queries.scorecards import (
    Point,
    list_scorecards,
    load_scorecard,
    review_sample,
    score_trends,
    sees_all,
    week_starts,
)
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text

router = APIRouter(include_in_schema=False)
SPARK_WIDTH, SPARK_HEIGHT = 80, 20
CRITERION_NAMES = {
    "greeting": N_("Greeting within the limit"),
    "response_time": N_("Every message answered in time"),
    "fire": N_("FIRE on complaints"),
    "verification": N_("Details verified before a change"),
    "closing": N_("Closing line"),
    "rating_ask": N_("Rating asked for"),
}
RESULT_NAMES = {"pass": N_("Pass"), "fail": N_("Fail"), "na": N_("Not applicable")}
STATUS_NAMES = {
    ScorecardStatus.PENDING: N_("Being scored"),
    ScorecardStatus.AUTO: N_("Scored automatically"),
    ScorecardStatus.REVIEWED: N_("Reviewed"),
    ScorecardStatus.DISPUTED: N_("Disputed"),
    ScorecardStatus.DECIDED: N_("Decided"),
}
MSG_REVIEWED = N_("Review saved.")
MSG_DISPUTED = N_("Dispute sent to the supervisors.")
MSG_DECIDED = N_("Decision saved; the scorecard is final.")
MSG_COACHED = N_("Coaching note sent to the agent.")
MSG_ACKNOWLEDGED = N_("Coaching note acknowledged.")


@dataclass(frozen=True, slots=True)
class TrendRow:
    """One agent's or team's weekly averages (None: no scorecard that week) and the
    points of its sparkline (an SVG polyline, 0–100 drawn bottom to top)."""

    name: str
    averages: list[float | None]
    sparkline: str


def trend_rows(points: list[Point], weeks: list[date]) -> list[TrendRow]:
    """The trend points as one row per agent or team, a column per week."""
    column = {week: i for i, week in enumerate(weeks)}
    rows: dict[int | None, list[float | None]] = {}
    names: dict[int | None, str] = {}
    for point in points:
        averages = rows.setdefault(point.group_id, [None] * len(weeks))
        averages[column[point.start]] = point.average
        names[point.group_id] = point.name
    step = SPARK_WIDTH / max(len(weeks) - 1, 1)
    return [
        TrendRow(
            names[group],
            averages,
            " ".join(
                f"{i * step:.0f},{SPARK_HEIGHT - value * SPARK_HEIGHT / 100:.1f}"
                for i, value in enumerate(averages)
                if value is not None
            ),
        )
        for group, averages in sorted(rows.items(), key=lambda kv: names[kv[0]])
    ]


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.get("/quality")
async def quality_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    params = request.query_params
    status = params.get("status", "")
    below = _number(params.get("below", ""))
    agent_id = _number(params.get("agent_id", ""))
    cards = await list_scorecards(
        session,
        page.actor,
        status=ScorecardStatus(status) if status in set(ScorecardStatus) else None,
        below=below,
        agent_id=agent_id or None,
        cursor=params.get("cursor") or None,
        limit=50,
    )
    supervisor = sees_all(page.actor)
    sample: list[Any] = []
    if supervisor:
        _week, sample = await review_sample(session, page.actor, week_of=None, per_agent=3)
    span, by_agent = await score_trends(
        session, page.actor, by="agent", bucket="week", since=None, until=None
    )
    _span, by_team = await score_trends(
        session, page.actor, by="team", bucket="week", since=None, until=None
    )
    weeks = [start for start, _end in week_starts(span)]
    agents = (await list_agents(session, page.actor, limit=200)).items if supervisor else []
    coaching = await list_coaching(session, page.actor, limit=20)
    context = {
        "coaching": coaching.items,
        "names": await _names(session, page),
        "cards": cards,
        "sample": sample,
        "weeks": weeks,
        "trends": [("agent", trend_rows(by_agent, weeks)), ("team", trend_rows(by_team, weeks))],
        "agents": agents,
        "agent_names": {agent.id: agent.display_name for agent in agents},
        "supervisor": supervisor,
        "filters": {"status": status, "below": below, "agent_id": agent_id},
        "statuses": [s for s in ScorecardStatus if s is not ScorecardStatus.PENDING],
        "status_names": STATUS_NAMES,
    }
    return render(request, "quality/scorecards.html", context)


async def _names(session: SessionDep, page: Page) -> dict[int, str]:
    """Display names of the shop's agents (authors and agents of notes and cards)."""
    return {a.id: a.display_name for a in (await list_agents(session, page.actor, limit=200)).items}


async def _card_page(
    request: Request,
    session: SessionDep,
    page: Page,
    scorecard_id: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    card = await load_scorecard(session, page.actor, scorecard_id)
    chinese = page.locale == "zh_CN"
    context: dict[str, Any] = {
        "card": card,
        "criterion_names": CRITERION_NAMES,
        "result_names": RESULT_NAMES,
        "status_names": STATUS_NAMES,
        "reason_key": "reason_zh" if chinese else "reason_en",
        "findings": [
            (FINDING_LABELS.get(code, (code, code))[0 if chinese else 1], count)
            for code, count in card.findings.items()
        ],
        "may_review": page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
        and card.status in (ScorecardStatus.AUTO, ScorecardStatus.REVIEWED),
        "may_decide": page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
        and card.status
        in (ScorecardStatus.AUTO, ScorecardStatus.REVIEWED, ScorecardStatus.DISPUTED),
        "may_dispute": card.agent_id == page.actor.id
        and card.status in (ScorecardStatus.AUTO, ScorecardStatus.REVIEWED),
        "errors": errors or {},
        "notes": (await list_coaching(session, page.actor, scorecard_id=card.id, limit=50)).items,
        "names": await _names(session, page),
        "may_coach": page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
        and page.actor.kind == "agent"
        and card.agent_id not in (None, page.actor.id),
        "focus_choices": [
            (entry["key"], CRITERION_NAMES.get(entry["key"], entry["key"]))
            for entry in card.criteria
        ]
        + [
            (code, FINDING_LABELS[code][0 if chinese else 1])
            for code in card.findings
            if code in FINDING_LABELS
        ],
        "focus_names": dict(CRITERION_NAMES)
        | {code: labels[0 if chinese else 1] for code, labels in FINDING_LABELS.items()},
        "me": page.actor.id,
    }
    return render(request, "quality/scorecard.html", context, status_code=status)


@router.get("/quality/scorecards/{scorecard_id}")
async def scorecard_page(
    request: Request, session: SessionDep, page: PageDep, scorecard_id: IdPath
) -> Response:
    return await _card_page(request, session, page, scorecard_id)


def _criteria_changes(form: Any, keys: list[str]) -> list[dict[str, Any]]:
    """The criteria whose result the form changes (a select per criterion, left at
    "keep" for those it does not)."""
    return [
        {"key": key, "result": text(form, f"result_{key}"), "comment": text(form, f"comment_{key}")}
        for key in keys
        if text(form, f"result_{key}")
    ]


async def _submit(
    request: Request, session: SessionDep, page: Page, scorecard_id: int, action: str
) -> Response:
    form = await request.form()
    card = await load_scorecard(session, page.actor, scorecard_id)
    changes = _criteria_changes(form, [entry["key"] for entry in card.criteria])
    comment = text(form, "comment")
    try:
        if action == "review":
            await do_review_scorecard(
                session, page.actor, scorecard_id, criteria=changes or None, comment=comment
            )
        elif action == "dispute":
            await do_dispute_scorecard(session, page.actor, scorecard_id, comment=comment)
        else:
            await do_decide_scorecard(
                session,
                page.actor,
                scorecard_id,
                decision=text(form, "decision"),
                comment=comment,
                criteria=changes or None,
            )
    except FormError as exc:  # refused before anything changed
        errors = {action: errors_of(exc, "comment").popitem()[1]}
        return await _card_page(request, session, page, scorecard_id, errors=errors, status=422)
    await session.commit()
    flash = {"review": MSG_REVIEWED, "dispute": MSG_DISPUTED}.get(action, MSG_DECIDED)
    return redirect(f"/quality/scorecards/{scorecard_id}", flash=flash, request=request)


@router.post("/quality/scorecards/{scorecard_id}/review")
async def review_form(
    request: Request, session: SessionDep, page: PageDep, scorecard_id: IdPath
) -> Response:
    return await _submit(request, session, page, scorecard_id, "review")


@router.post("/quality/scorecards/{scorecard_id}/dispute")
async def dispute_form(
    request: Request, session: SessionDep, page: PageDep, scorecard_id: IdPath
) -> Response:
    return await _submit(request, session, page, scorecard_id, "dispute")


@router.post("/quality/scorecards/{scorecard_id}/decision")
async def decision_form(
    request: Request, session: SessionDep, page: PageDep, scorecard_id: IdPath
) -> Response:
    return await _submit(request, session, page, scorecard_id, "decision")


@router.post("/quality/scorecards/{scorecard_id}/coaching")
async def coaching_form(
    request: Request, session: SessionDep, page: PageDep, scorecard_id: IdPath
) -> Response:
    form = await request.form()
    focus = [value for value in form.getlist("focus") if isinstance(value, str)]
    try:
        await do_write_coaching(
            session, page.actor, scorecard_id, body=text(form, "body"), focus=focus
        )
    except FormError as exc:  # refused before anything changed
        errors = {"coaching": errors_of(exc, "body").popitem()[1]}
        return await _card_page(request, session, page, scorecard_id, errors=errors, status=422)
    await session.commit()
    return redirect(f"/quality/scorecards/{scorecard_id}", flash=MSG_COACHED, request=request)


@router.post("/quality/coaching/{note_id}/acknowledge")
async def acknowledge_form(
    request: Request, session: SessionDep, page: PageDep, note_id: IdPath
) -> Response:
    form = await request.form()
    note = await load_note(session, page.actor, note_id)
    try:
        await do_acknowledge_coaching(session, page.actor, note_id, reply=text(form, "reply"))
    except FormError as exc:
        errors = {"acknowledge": errors_of(exc, "reply").popitem()[1]}
        return await _card_page(
            request, session, page, note.scorecard_id, errors=errors, status=422
        )
    await session.commit()
    back = f"/quality/scorecards/{note.scorecard_id}"
    if form.get("back") == "list":
        back = "/quality"
    return redirect(back, flash=MSG_ACKNOWLEDGED, request=request)
