"""Settings → reply quality: which findings stop an agent's reply from being sent
(owners; every other finding only warns in the composer), and the scorecard's criteria:
weights, which are on, the time limits and the points off per finding."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from kefu.access import Permission
from kefu.actions.quality import do_update_quality_settings, quality_settings
from kefu.quality.dictionary import CODES
from kefu.quality.rewrite import LABELS, TEMPLATES, TIPS
from kefu.quality.scorecard import KEYS, LIMITS
from kefu.queries.shops import get_shop
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.quality import CRITERION_NAMES
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import text, whole_or_text

router = APIRouter(include_in_schema=False)
MSG_QUALITY_SAVED = N_("Reply quality settings saved.")


@router.get("/settings/quality")
async def quality_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    page.actor.require(Permission.MANAGE_SHOP)
    blocking = quality_settings((await get_shop(session, page.actor)).quality_settings)
    chinese = page.locale == "zh_CN"
    codes = [
        {
            "code": code,
            "zh": LABELS[code][0],
            "en": LABELS[code][1],
            "tip": TIPS[code][0 if chinese else 1],
            "example": TEMPLATES[code],
            "blocking": code in blocking["blocking"],
        }
        for code in CODES
    ]
    scorecard = blocking["scorecard"]
    criteria = [
        {"key": key, "name": CRITERION_NAMES[key], **entry}
        for key, entry in scorecard["criteria"].items()
    ]
    context = {"codes": codes, "criteria": criteria, "penalty": scorecard["finding_penalty"]}
    return render(request, "settings/quality.html", context)


def _scorecard_change(form: FormData) -> dict[str, Any]:
    """The criteria as the form sent them (numbers that are not numbers are refused by
    the action, named by the field)."""
    criteria: dict[str, dict[str, Any]] = {}
    for key in KEYS:
        entry: dict[str, Any] = {
            "weight": whole_or_text(text(form, f"weight_{key}")),
            "enabled": f"enabled_{key}" in form,
        }
        if key in LIMITS:
            entry["limit_seconds"] = whole_or_text(text(form, f"limit_{key}"))
        criteria[key] = entry
    return {"criteria": criteria, "finding_penalty": whole_or_text(text(form, "finding_penalty"))}


@router.post("/settings/quality")
async def quality_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    chosen = [value for value in form.getlist("blocking") if isinstance(value, str)]
    changes: dict[str, Any] = {"blocking": chosen}
    if "finding_penalty" in form:  # the scorecard part of the form was sent
        changes["scorecard"] = _scorecard_change(form)
    await do_update_quality_settings(session, page.actor, **changes)
    await session.commit()
    return redirect("/settings/quality", flash=MSG_QUALITY_SAVED, request=request)
