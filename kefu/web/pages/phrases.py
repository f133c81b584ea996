"""Quick phrases (/workspace/phrases): the shop's library, kept by supervisors, and each
agent's own phrases, added and removed here; the workspace offers them after ``/``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.phrases import do_create_quick_phrase, do_delete_quick_phrase
from kefu.lib.phrases import VARIABLES
from kefu.models import PhraseFolder
from kefu.queries.workspace import quick_phrases
from kefu.web.api.v1.schemas import IdPath
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import Page, PageDep, redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import FormError, errors_of, text

router = APIRouter(include_in_schema=False)
PATH = "/workspace/phrases"
MSG_ADDED = N_("Quick phrase added.")
MSG_DELETED = N_("Quick phrase deleted.")


async def _page(
    request: Request,
    session: SessionDep,
    page: Page,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    rows = await quick_phrases(session, page.actor)
    stage = {folder: index for index, folder in enumerate(PhraseFolder)}  # the stages' order
    return render(
        request,
        "workspace/phrases.html",
        {
            "phrases": sorted(
                (r.phrase for r in rows), key=lambda p: (stage[p.folder], p.shortcut)
            ),
            "folders": list(PhraseFolder),
            "variables": VARIABLES,
            "keeps_library": page.actor.can(Permission.SUPERVISE_CONVERSATIONS),
            "values": values,
            "errors": errors,
        },
        status_code=status,
    )


@router.get(PATH)
async def phrases_page(request: Request, session: SessionDep, page: PageDep) -> Response:
    return await _page(request, session, page, {}, {})


@router.post(PATH)
async def phrase_add(request: Request, session: SessionDep, page: PageDep) -> Response:
    form = await request.form()
    values = {key: text(form, key) for key in ("shortcut", "folder", "body", "scope")}
    keeps_library = page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
    try:
        await do_create_quick_phrase(
            session,
            page.actor,
            shortcut=values["shortcut"],
            folder=values["folder"] or PhraseFolder.CONVERSATION,
            body=values["body"],
            personal=not keeps_library or values["scope"] != "shop",
        )
    except FormError as exc:
        return await _page(request, session, page, values, errors_of(exc, "body"), 422)
    await session.commit()
    return redirect(PATH, flash=MSG_ADDED, request=request)


@router.post(PATH + "/{phrase_id}/delete")
async def phrase_delete(
    request: Request, session: SessionDep, page: PageDep, phrase_id: IdPath
) -> Response:
    await do_delete_quick_phrase(session, page.actor, phrase_id)
    await session.commit()
    return redirect(PATH, flash=MSG_DELETED, request=request)
