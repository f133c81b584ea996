"""Signing in and out, the forced password change, switching shop.

The anonymous login form has no session yet, so its CSRF protection is a signed
double-submit cookie: the form carries a random token and the cookie carries the same
token signed with the secret key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from kefu.actions.agents import do_set_presence
from kefu.actions.auth import do_change_own_password, do_login, do_logout, do_switch_shop
from kefu.errors import Forbidden, Invalid, Locked, Unauthenticated
from kefu.lib.secrets import new_token
from kefu.models.base import MAX_ID
from kefu.settings import Settings
from kefu.web import i18n
from kefu.web.deps import SESSION_COOKIE, SessionDep, optional_login
from kefu.web.i18n import N_
from kefu.web.pages.context import PASSWORD_PATH, PageDep, redirect, safe_next
from kefu.web.pages.rendering import render

router = APIRouter()

LOGIN_CSRF_COOKIE = "kefu_login_csrf"
LOGIN_CSRF_MAX_AGE = 2 * 3600
MSG_LOGIN_FAILED = N_("The e-mail or password is wrong.")
MSG_LOCKED = N_(
    "Too many failed sign-ins: this account is locked for a while. "
    "Try again later or ask the shop owner to reset your password."
)
MSG_NO_SHOP = N_("This account does not belong to any active shop.")
MSG_FORM_EXPIRED = N_("The form expired. Please sign in again.")
MSG_PASSWORDS_DIFFER = N_("The two new passwords are not the same.")
MSG_PASSWORD_CHANGED = N_("Your password has been changed.")

Text = Annotated[str, Form()]


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="kefu-login-csrf")


def _login_form(
    request: Request,
    *,
    next_url: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    token = new_token(16)
    locale = i18n.request_locale(request, None, settings.default_locale)
    response = render(
        request,
        "auth/login.html",
        {"csrf_token": token, "next": next_url, "email": email, "error": error},
        status_code=status_code,
        locale=locale,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        _serializer(settings).dumps(token),
        max_age=LOGIN_CSRF_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


def _login_csrf_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    try:
        expected = _serializer(request.app.state.settings).loads(cookie, max_age=LOGIN_CSRF_MAX_AGE)
    except BadSignature:
        return False
    return bool(sent) and expected == sent


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, session: SessionDep, next: str = "/") -> Response:
    if await optional_login(request, session) is not None:
        return redirect(safe_next(next))
    return _login_form(request, next_url=safe_next(next))


@router.post("/login", include_in_schema=False)
async def login_submit(
    request: Request,
    session: SessionDep,
    email: Text = "",
    password: Text = "",
    csrf_token: Text = "",
    next: Text = "/",
) -> Response:
    settings: Settings = request.app.state.settings
    next_url = safe_next(next)
    if not _login_csrf_ok(request, csrf_token):
        return _login_form(
            request, next_url=next_url, email=email, error=MSG_FORM_EXPIRED, status_code=403
        )
    try:
        result = await do_login(session, settings, email.strip(), password)
    except Locked:
        return _login_form(
            request, next_url=next_url, email=email, error=MSG_LOCKED, status_code=423
        )
    except Unauthenticated:
        return _login_form(
            request, next_url=next_url, email=email, error=MSG_LOGIN_FAILED, status_code=401
        )
    except Forbidden:
        return _login_form(
            request, next_url=next_url, email=email, error=MSG_NO_SHOP, status_code=403
        )
    await session.commit()
    target = PASSWORD_PATH if result.user.must_change_password else next_url
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request, session: SessionDep, page: PageDep) -> Response:
    await do_logout(session, request.cookies.get(SESSION_COOKIE, ""))
    await session.commit()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/shops/switch", include_in_schema=False)
async def switch_shop(
    session: SessionDep, page: PageDep, shop_id: Annotated[int, Form(ge=1, le=MAX_ID)]
) -> Response:
    await do_switch_shop(session, page.login.session, shop_id)
    await session.commit()
    return redirect("/")


@router.get(PASSWORD_PATH, include_in_schema=False)
async def password_page(request: Request, page: PageDep) -> Response:
    return render(request, "auth/password.html", {"page": page, "errors": {}})


@router.post(PASSWORD_PATH, include_in_schema=False)
async def password_submit(
    request: Request,
    session: SessionDep,
    page: PageDep,
    current_password: Text = "",
    new_password: Text = "",
    confirm_password: Text = "",
) -> Response:
    try:
        if new_password != confirm_password:
            raise Invalid(MSG_PASSWORDS_DIFFER, field="confirm_password")
        await do_change_own_password(session, page.login.user, current_password, new_password)
    except Invalid as exc:
        errors = {exc.field or "current_password": exc.message}
        return render(
            request, "auth/password.html", {"page": page, "errors": errors}, status_code=422
        )
    await session.commit()
    return redirect("/", flash=MSG_PASSWORD_CHANGED, request=request)


@router.post("/account/presence", include_in_schema=False)
async def set_presence(
    session: SessionDep,
    page: PageDep,
    presence: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Online, away or offline, from the user menu; back to the page it was chosen on."""
    await do_set_presence(session, page.actor, presence)
    await session.commit()
    return redirect(safe_next(next))
