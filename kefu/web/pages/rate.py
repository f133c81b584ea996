"""The pages behind the rating links of our mails, for a shopper signed in nowhere:
/rate/case/{token} (a progress mail of a resolved or closed case, kefu.actions.case_mail)
and /rate/conversation/{token} (the rating request of a closed e-mail conversation,
kefu.actions.rating_mail). Each shows what is rated and a 1–5 form with a comment, then
a thank-you with the rating given; a second rating is refused.

The token (kefu.lib.links) is the shopper's proof: it names the shop and the case or
conversation, signed with the server's secret under the link's purpose. The form needs
no CSRF cookie: a forged cross-site post could only rate with a token the forger already
holds, and whoever holds it can rate without any browser anyway. The page shows only
what the mail already told its reader (the case's number, type and title, or the mail's
subject)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.case_ratings import do_rate_case
from kefu.actions.conversations import do_rate_conversation
from kefu.errors import Conflict, Invalid
from kefu.lib.cases import FINISHED
from kefu.lib.links import RATE_CASE, RATE_CONVERSATION, read_link
from kefu.models import (
    Case,
    CaseRating,
    Conversation,
    ConversationStatus,
    Mail,
    RatingChannel,
    Shop,
)
from kefu.web import i18n
from kefu.web.deps import SessionDep
from kefu.web.i18n import N_
from kefu.web.pages.context import redirect
from kefu.web.pages.rendering import render
from kefu.web.pages.settings.forms import text, whole_or_text

router = APIRouter(include_in_schema=False)
PATH = "/rate/{kind}/{token}"
PURPOSES = {"case": RATE_CASE, "conversation": RATE_CONVERSATION}
MODELS: dict[str, type[Case] | type[Conversation]] = {"case": Case, "conversation": Conversation}
MSG_BAD_LINK = N_(
    "This rating link is not valid: it may have been cut short when copied. "
    "Open it again from the e-mail, or simply reply to the e-mail to tell us how we did."
)
ACTOR_LABEL = "顾客（邮件评价链接）"


async def _rated(
    request: Request, session: AsyncSession, kind: str, token: str
) -> tuple[Shop, Case | Conversation] | None:
    """The shop and the case or conversation a genuine token names (None for anything
    else: a forged or cut-short token, one of another purpose, a row of another shop)."""
    if kind not in PURPOSES:
        return None
    payload = read_link(request.app.state.settings.secret_key, PURPOSES[kind], token) or {}
    shop_id, row_id = payload.get("shop"), payload.get(kind)
    if not isinstance(shop_id, int) or not isinstance(row_id, int):
        return None
    model = MODELS[kind]
    row = await session.scalar(select(model).where(model.id == row_id, model.shop_id == shop_id))
    shop = await session.get(Shop, shop_id) if row is not None else None
    return (shop, row) if shop is not None and row is not None else None


async def _details(session: AsyncSession, row: Case | Conversation) -> dict[str, Any]:
    """What the page says about the case or conversation, and its rating so far."""
    if isinstance(row, Case):
        rating = await session.scalar(select(CaseRating).where(CaseRating.case_id == row.id))
        return {
            "case": row,
            "given": rating and (rating.rating, rating.comment),
            "finished": row.status in FINISHED,
        }
    subject = await session.scalar(
        select(Mail.subject).where(Mail.conversation_id == row.id).order_by(Mail.id).limit(1)
    )
    return {
        "subject": subject or "",
        "given": row.rating and (row.rating, row.rating_comment),
        "finished": row.status is ConversationStatus.CLOSED,
    }


async def _page(
    request: Request,
    session: AsyncSession,
    kind: str,
    token: str,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = await _rated(request, session, kind, token)
    locale = i18n.request_locale(request, None, found[0].locale if found else "zh_CN")
    if found is None:
        context = {"status": 404, "message": MSG_BAD_LINK, "page": None}
        return render(request, "error.html", context, status_code=404, locale=locale)
    shop, row = found
    context = {
        "shop": shop,
        "action": request.url.path,
        "error": error,
        "typed": typed or {},
        **await _details(session, row),
    }
    return render(request, "rate/rate.html", context, status_code=status, locale=locale)


@router.get(PATH)
async def rate_page(request: Request, session: SessionDep, kind: str, token: str) -> Response:
    return await _page(request, session, kind, token)


@router.post(PATH)
async def rate_form(request: Request, session: SessionDep, kind: str, token: str) -> Response:
    found = await _rated(request, session, kind, token)
    if found is None:
        return await _page(request, session, kind, token)
    shop, row = found
    form = await request.form()
    typed = {"rating": text(form, "rating"), "comment": text(form, "comment")}
    rating, comment = whole_or_text(typed["rating"]), typed["comment"]
    shopper = Actor.system(shop.id, ACTOR_LABEL)
    try:
        if isinstance(row, Case):
            channel = RatingChannel.EMAIL
            await do_rate_case(
                session, shopper, row, rating=rating, comment=comment, channel=channel
            )
        else:
            await do_rate_conversation(session, shopper, row.id, rating=rating, comment=comment)
    except (Invalid, Conflict) as exc:
        await session.rollback()
        return await _page(
            request, session, kind, token, error=exc.message, typed=typed, status=exc.status
        )
    await session.commit()
    return redirect(request.url.path, request=request)
