"""What every signed-in page needs: the login, the acting agent, the shop, the language.

``PageDep`` also refuses a POST without the login's CSRF token and sends a user who must
change their password to that form first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from kefu.access import Actor, Permission
from kefu.actions.auth import do_set_own_locale
from kefu.errors import NotFound, Unauthenticated
from kefu.models import Agent, Shop
from kefu.queries.auth import agent_actor, shops_of_user
from kefu.reports.growth import sees_everyones_growth
from kefu.settings import Settings
from kefu.web import i18n
from kefu.web.deps import Login, SessionDep, check_csrf, optional_login
from kefu.web.pages.rendering import FLASH_COOKIE

PASSWORD_PATH = "/account/password"


class PageRedirect(Exception):
    """Raised by a dependency to send the browser elsewhere (answered with a 303)."""

    def __init__(self, location: str):
        super().__init__(location)
        self.location = location


@dataclass(slots=True)
class Page:
    """The signed-in context of a page request."""

    login: Login
    actor: Actor
    shop: Shop
    agent: Agent
    shops: list[Shop]
    locale: str
    flash: str | None

    @property
    def csrf_token(self) -> str:
        return self.login.session.csrf_token

    @property
    def sees_visitors(self) -> bool:
        return self.actor.can(Permission.HANDLE_CONVERSATIONS)

    @property
    def sees_cases(self) -> bool:
        return self.actor.can(Permission.HANDLE_CASES)

    @property
    def sees_campaigns(self) -> bool:
        return self.actor.can(Permission.RUN_CAMPAIGNS)

    @property
    def sees_agent_growth(self) -> bool:
        """Everyone's growth: whoever sees the shop's reports or manages its agents."""
        return sees_everyones_growth(self.actor)

    @property
    def sees_reports(self) -> bool:
        return self.actor.can(Permission.VIEW_REPORTS)

    @property
    def sees_settings(self) -> bool:
        return self.actor.can(Permission.MANAGE_AGENTS) or self.actor.can(Permission.MANAGE_SHOP)


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target on this site only: a path, never ``//host`` or ``scheme:``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def _flash_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="kefu-flash")


def set_flash(response: Response, settings: Settings, message: str) -> None:
    """Show ``message`` (an English msgid, translated when shown) on the next page."""
    response.set_cookie(
        FLASH_COOKIE,
        _flash_serializer(settings).dumps(message),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def read_flash(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        return str(_flash_serializer(settings).loads(raw))
    except BadSignature:
        return None


def redirect(
    location: str, *, flash: str | None = None, request: Request | None = None
) -> Response:
    """A 303 after a form post (so reloading never posts twice), with an optional notice."""
    response = RedirectResponse(location, status_code=303)
    if flash and request is not None:
        set_flash(response, request.app.state.settings, flash)
    return response


async def _save_chosen_locale(request: Request, session: SessionDep, login: Login) -> None:
    """A language picked with the switch becomes the account's, for every browser."""
    chosen = i18n.chosen_locale(request)
    if chosen is not None and chosen != login.user.locale:
        await do_set_own_locale(session, login.user, chosen)
        await session.commit()


async def page_context(
    request: Request,
    session: SessionDep,
    login: Annotated[Login | None, Depends(optional_login)],
) -> Page:
    settings: Settings = request.app.state.settings
    request.state.locale = i18n.request_locale(request, None, settings.default_locale)
    if login is None:
        raise Unauthenticated("please log in")
    request.state.locale = i18n.request_locale(request, login.user.locale, settings.default_locale)
    await check_csrf(request, login)
    await _save_chosen_locale(request, session, login)
    if login.user.must_change_password and request.url.path != PASSWORD_PATH:
        raise PageRedirect(PASSWORD_PATH)
    actor = await agent_actor(session, login.user, login.session.shop_id)
    shop = await session.get(Shop, actor.shop_id)
    if shop is None:
        raise NotFound("shop")
    agent = await session.get(Agent, actor.id)  # loaded by agent_actor: no query
    if agent is None:
        raise NotFound("agent")
    request.state.shop = shop
    page = Page(
        login=login,
        actor=actor,
        shop=shop,
        agent=agent,
        shops=await shops_of_user(session, login.user.id),
        locale=request.state.locale,
        flash=read_flash(request, settings),
    )
    request.state.page = page
    return page


PageDep = Annotated[Page, Depends(page_context)]
