"""Request dependencies: the database session, the current login and the acting ``Actor``.

API requests authenticate with ``Authorization: Bearer kefu_…`` (API keys) or with the
session cookie; cookie-authenticated writes must carry the login's CSRF token in the
``X-CSRF-Token`` header or a ``csrf_token`` form field."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor
from kefu.errors import Forbidden, Invalid, Unauthenticated
from kefu.lib.signing import same_secret
from kefu.models import LoginSession, User
from kefu.queries.auth import (
    API_KEY_PREFIX,
    agent_actor,
    api_key_actor,
    login_from_token,
    visitor_actor,
)
from kefu.settings import Settings

SESSION_COOKIE = "kefu_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request; anything not committed by the handler is rolled back."""
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """For work after the response, in sessions of its own (the request's is closed)."""
    return request.app.state.sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(slots=True)
class Login:
    """A browser login: the stored session row and its user."""

    session: LoginSession
    user: User


async def optional_login(request: Request, session: SessionDep) -> Login | None:
    found = await login_from_token(session, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    request.state.login = Login(*found)
    return request.state.login


async def require_login(login: Annotated[Login | None, Depends(optional_login)]) -> Login:
    if login is None:
        raise Unauthenticated("please log in")
    return login


LoginDep = Annotated[Login, Depends(require_login)]


async def check_csrf(request: Request, login: Login) -> None:
    """Refuse a cookie-authenticated write that does not carry the login's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get("csrf_token")  # type: ignore[assignment]
    if not isinstance(sent, str) or not same_secret(login.session.csrf_token, sent):
        raise Forbidden(
            "the form has expired or did not come from Kefu; reload and try again",
            code="csrf_failed",
        )


async def current_actor(request: Request, session: SessionDep) -> Actor:
    """The actor behind an API or page request: an API key, or a logged-in agent."""
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "bearer" and credential:
        if not credential.startswith(API_KEY_PREFIX):
            raise Unauthenticated("API key is unknown or revoked")
        return await api_key_actor(session, credential.strip())
    login = await optional_login(request, session)
    if login is None:
        raise Unauthenticated("log in or send an API key as 'Authorization: Bearer kefu_…'")
    await check_csrf(request, login)
    return await agent_actor(session, login.user, login.session.shop_id)


ActorDep = Annotated[Actor, Depends(current_actor)]


# A JSON \u0000 escape that is not itself escaped (preceded by an even number of backslashes).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


async def refuse_nul_characters(request: Request) -> None:
    """Refuse NUL characters in the query or JSON body: PostgreSQL cannot store or even
    compare them, so they would otherwise surface as a server error."""
    if "%00" in request.url.query:
        raise Invalid("the query contains a NUL character")
    if request.method not in SAFE_METHODS:
        body = await request.body()
        if b"\x00" in body or _JSON_NUL.search(body):
            raise Invalid("the request contains a NUL character")


VISITOR_TOKEN_HEADER = "x-visitor-token"


async def current_visitor(request: Request, session: SessionDep) -> Actor:
    """The widget visitor named by the signed token in ``X-Visitor-Token``."""
    return await visitor_actor(
        session, request.app.state.settings.secret_key, request.headers.get(VISITOR_TOKEN_HEADER)
    )


VisitorDep = Annotated[Actor, Depends(current_visitor)]
