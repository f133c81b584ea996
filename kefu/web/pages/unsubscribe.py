"""The one-click unsubscribe page of campaign and journey mails (docs/crm.md), public:
a shopper reading a mail is signed in nowhere, so the signed link is their proof
(kefu.crm.unsubscribe). GET shows the shop and a confirm button; POST opts out.

The POST takes no CSRF token on purpose: it is also RFC 8058's one-click POST, sent by
mail programs (``List-Unsubscribe=One-Click``) with no cookie or form of ours, and the
token in the path is what authenticates it. A forged request can do no more than what
the link's owner asked for. Pages speak the shop's language (a bad link: the browser's)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kefu.crm.unsubscribe import customer_of_link, do_unsubscribe
from kefu.errors import NotFound
from kefu.models import Shop
from kefu.models.base import utcnow
from kefu.settings import Settings
from kefu.web import i18n
from kefu.web.deps import SessionDep
from kefu.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
TEMPLATE = "public/unsubscribe.html"


def _locale(shop: Shop) -> str:
    return i18n.normalise(shop.locale) or i18n.LOCALES[0]


def _bad_link(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    locale = i18n.request_locale(request, None, settings.default_locale)
    return render(request, TEMPLATE, {"state": "bad"}, status_code=404, locale=locale)


@router.get("/unsubscribe/{token}")
async def unsubscribe_page(request: Request, session: SessionDep, token: str) -> Response:
    secret = request.app.state.settings.secret_key
    try:
        shop, customer = await customer_of_link(session, secret, token)
    except NotFound:
        return _bad_link(request)
    state = "done" if customer.opted_out_at is not None else "ask"
    context = {"state": state, "shop": shop.name, "token": token}
    return render(request, TEMPLATE, context, locale=_locale(shop))


@router.post("/unsubscribe/{token}")
async def unsubscribe_submit(request: Request, session: SessionDep, token: str) -> Response:
    try:
        shop, _ = await do_unsubscribe(
            session, request.app.state.settings.secret_key, token, utcnow()
        )
    except NotFound:
        return _bad_link(request)
    await session.commit()
    return render(request, TEMPLATE, {"state": "done", "shop": shop.name}, locale=_locale(shop))
