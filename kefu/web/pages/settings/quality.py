"""Settings → reply quality: which findings stop an agent's reply from being sent
(owners). Every other finding only warns in the composer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.quality import do_update_quality_settings, quality_settings
from kefu.quality.dictionary import CODES
from kefu.quality.rewrite import LABELS, TEMPLATES, TIPS
from kefu.queries.shops import get_shop
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import PageDep, redirect
from kefu.web.pages.rendering import render

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
    return render(request, "settings/quality.html", {"codes": codes})


@router.post("/settings/quality")
async def quality_submit(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    chosen = [value for value in form.getlist("blocking") if isinstance(value, str)]
    await do_update_quality_settings(session, page.actor, blocking=chosen)
    await session.commit()
    return redirect("/settings/quality", flash=MSG_QUALITY_SAVED, request=request)
