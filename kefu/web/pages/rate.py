"""The page behind the rating link of a progress mail (/rate/case/{token}): a shopper,
signed in nowhere, rates a resolved or closed case 1–5 with a comment, once.

The token (kefu.lib.links, purpose ``rate-case``) is the shopper's proof: it names the
shop and the case, signed with the server's secret. The form needs no CSRF cookie: a
forged cross-site post could only rate with a token the forger already holds, and whoever
holds it can rate without any browser anyway. What the page shows of the case is only
what the mail already told its reader (number, type, title)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.case_ratings import do_rate_case
from kefu.errors import Conflict, Invalid
from kefu.lib.cases import FINISHED
from kefu.lib.links import RATE_CASE, read_link
from kefu.models import Case, CaseRating, RatingChannel, Shop
from kefu.web import i18n
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import text, whole_or_text

router = APIRouter(include_in_schema=False)
PATH = "/rate/case/{token}"
MSG_BAD_LINK = N_(
    "This rating link is not valid: it may have been cut short when copied. "
    "Open it again from the e-mail, or simply reply to the e-mail to tell us how we did."
)
ACTOR_LABEL = "顾客（邮件评价链接）"


async def _shop_and_case(
    request: Request, session: AsyncSession, token: str
) -> tuple[Shop, Case] | None:
    """The shop and case a genuine token names (None for anything else)."""
    payload = read_link(request.app.state.settings.secret_key, RATE_CASE, token)
    shop_id, case_id = (payload or {}).get("shop"), (payload or {}).get("case")
    if not isinstance(shop_id, int) or not isinstance(case_id, int):
        return None
    case = await session.scalar(select(Case).where(Case.id == case_id, Case.shop_id == shop_id))
    shop = await session.get(Shop, shop_id) if case is not None else None
    return (shop, case) if shop is not None and case is not None else None


async def _page(
    request: Request,
    session: AsyncSession,
    token: str,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = await _shop_and_case(request, session, token)
    locale = i18n.request_locale(request, None, found[0].locale if found else "zh_CN")
    if found is None:
        context = {"status": 404, "message": MSG_BAD_LINK, "page": None}
        return render(request, "error.html", context, status_code=404, locale=locale)
    shop, case = found
    rating = await session.scalar(select(CaseRating).where(CaseRating.case_id == case.id))
    context = {
        "shop": shop,
        "case": case,
        "rating": rating,
        "finished": case.status in FINISHED,
        "error": error,
        "typed": typed or {},
        "token": token,
    }
    return render(request, "rate/case.html", context, status_code=status, locale=locale)


@router.get(PATH)
async def rate_case_page(request: Request, session: SessionDep, token: str) -> Response:
    return await _page(request, session, token)


@router.post(PATH)
async def rate_case_form(request: Request, session: SessionDep, token: str) -> Response:
    found = await _shop_and_case(request, session, token)
    if found is None:
        return await _page(request, session, token)
    shop, case = found
    form = await request.form()
    typed = {"rating": text(form, "rating"), "comment": text(form, "comment")}
    try:
        await do_rate_case(
            session,
            Actor.system(shop.id, ACTOR_LABEL),
            case,
            rating=whole_or_text(typed["rating"]),
            comment=typed["comment"],
            channel=RatingChannel.EMAIL,
        )
    except (Invalid, Conflict) as exc:
        await session.rollback()
        return await _page(
            request, session, token, error=exc.message, typed=typed, status=exc.status
        )
    await session.commit()
    return redirect(request.url.path, request=request)
