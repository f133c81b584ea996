"""Quick phrases (/workspace/phrases): the shop's library, kept by supervisors, and each
agent's own phrases, added and removed here; the workspace offers them after ``/``.
Supervisors also A/B test a shop phrase against a second text here, read the outcomes
and promote the winner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.access import Permission
from kefu.actions.phrase_tests import do_promote_variant, do_start_phrase_test
from kefu.actions.phrases import do_create_quick_phrase, do_delete_quick_phrase
from kefu.errors import Invalid
from kefu.lib.phrases import VARIABLES
from kefu.models import CustomerType, PhraseFolder
from kefu.models.base import utcnow
from kefu.queries.phrase_tests import phrase_tests
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
MSG_TEST_STARTED = N_("A/B test started: conversations now get one of the two texts.")
MSG_PROMOTED = N_("Winner promoted: the phrase now has its text and the test has ended.")


async def _page(
    request: Request,
    session: SessionDep,
    page: Page,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    *,
    test_values: dict[str, str] | None = None,
    test_errors: dict[str, str] | None = None,
) -> Response:
    rows = await quick_phrases(session, page.actor)
    stage = {folder: index for index, folder in enumerate(PhraseFolder)}  # the stages' order
    phrases = sorted((r.phrase for r in rows), key=lambda p: (stage[p.folder], p.shortcut))
    return render(
        request,
        "workspace/phrases.html",
        {
            "phrases": phrases,
            "shop_phrases": [p for p in phrases if p.agent_id is None],
            "tests": await phrase_tests(session, page.actor),
            "test_values": test_values or {},
            "test_errors": test_errors or {},
            "folders": list(PhraseFolder),
            "customer_types": list(CustomerType),
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
    values = {
        key: text(form, key) for key in ("shortcut", "folder", "customer_type", "body", "scope")
    }
    keeps_library = page.actor.can(Permission.SUPERVISE_CONVERSATIONS)
    try:
        await do_create_quick_phrase(
            session,
            page.actor,
            shortcut=values["shortcut"],
            folder=values["folder"] or PhraseFolder.CONVERSATION,
            customer_type=values["customer_type"] or None,
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


@router.post(PATH + "/tests")
async def phrase_test_start(request: Request, session: SessionDep, page: PageDep) -> Response:
    """Variant A is the phrase's own text, variant B the one typed here."""
    form = await request.form()
    values = {key: text(form, key) for key in ("phrase_id", "variant")}
    try:
        if not values["phrase_id"].isdigit() or len(values["phrase_id"]) > 18:
            raise Invalid("choose a phrase", field="variants")
        await do_start_phrase_test(
            session, page.actor, int(values["phrase_id"]), [values["variant"]]
        )
    except FormError as exc:
        errors = errors_of(exc, "variants", renamed={"body": "variants"})
        return await _page(
            request, session, page, {}, {}, 422, test_values=values, test_errors=errors
        )
    await session.commit()
    return redirect(PATH, flash=MSG_TEST_STARTED, request=request)


@router.post(PATH + "/tests/{test_id}/promote")
async def phrase_test_promote(
    request: Request, session: SessionDep, page: PageDep, test_id: IdPath
) -> Response:
    form = await request.form()
    variant = text(form, "variant")
    chosen = int(variant) if variant.isdigit() and len(variant) < 3 else -1
    await do_promote_variant(session, page.actor, test_id, chosen, utcnow())
    await session.commit()
    return redirect(PATH, flash=MSG_PROMOTED, request=request)
