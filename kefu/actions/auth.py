"""Logging in and out, lock-out after repeated failures, switching shop, own password."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.actions.checks import clean_locale
from kefu.actions.streams import emit
from kefu.errors import Forbidden, Invalid, Locked, NotFound, Unauthenticated
from kefu.events import SessionEnded, agent_stream
from kefu.lib.secrets import (
    hash_password,
    new_token,
    password_problem,
    sha256_hex,
    verify_password,
)
from kefu.models import Agent, LoginSession, User
from kefu.models.base import utcnow
from kefu.settings import Settings

LOGIN_FAILED = "e-mail or password is wrong"


@dataclass(slots=True)
class LoginResult:
    token: str  # goes in the cookie; only its hash is stored
    login: LoginSession
    user: User


async def _first_shop_id(session: AsyncSession, user_id: int) -> int | None:
    return await session.scalar(
        select(Agent.shop_id)
        .where(Agent.user_id == user_id, Agent.active.is_(True))
        .order_by(Agent.shop_id)
        .limit(1)
    )


async def do_login(
    session: AsyncSession, settings: Settings, email: str, password: str
) -> LoginResult:
    """Check the password, counting failures; lock the account after too many in a row.

    The same message answers an unknown e-mail and a wrong password."""
    user = await session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise Locked(f"too many failed logins; the account is locked for {minutes} more minute(s)")
    if user is None or not verify_password(password, user.password_hash):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
            await session.commit()
        raise Unauthenticated(LOGIN_FAILED)
    shop_id = await _first_shop_id(session, user.id)
    if shop_id is None:
        raise Forbidden("this account belongs to no active shop")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    token = new_token()
    login = LoginSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        shop_id=shop_id,
        csrf_token=new_token(24),
        expires_at=now + timedelta(hours=settings.session_hours),
    )
    session.add(login)
    await session.flush()
    return LoginResult(token, login, user)


async def announce_session_end(
    session: AsyncSession, user_id: int, shop_id: int | None, reason: str
) -> None:
    """Tell the open sockets of the user's agent in ``shop_id`` to check their login
    again (kefu/realtime/ws.py closes the ones whose login is gone). An event in the
    replay log, so it reaches every server process; emitted as the action's last write."""
    if shop_id is None:
        return
    agent_id = await session.scalar(
        select(Agent.id).where(Agent.user_id == user_id, Agent.shop_id == shop_id)
    )
    if agent_id is not None:
        payload = {"agent_id": agent_id, "reason": reason}
        await emit(session, SessionEnded(shop_id, payload, frozenset({agent_stream(agent_id)})))


async def do_logout(session: AsyncSession, token: str) -> None:
    login = await session.get(LoginSession, sha256_hex(token))
    if login is None:
        return
    await session.delete(login)
    await session.flush()
    await announce_session_end(session, login.user_id, login.shop_id, "logged_out")


async def do_switch_shop(session: AsyncSession, login: LoginSession, shop_id: int) -> None:
    """Make ``shop_id`` the login's current shop, if the user is an active agent there."""
    member = await session.scalar(
        select(Agent.id).where(
            Agent.user_id == login.user_id, Agent.shop_id == shop_id, Agent.active.is_(True)
        )
    )
    if member is None:
        raise NotFound("shop")
    if login.shop_id == shop_id:
        return
    previous, login.shop_id = login.shop_id, shop_id
    await session.flush()
    await announce_session_end(session, login.user_id, previous, "switched_shop")


async def do_change_own_password(session: AsyncSession, user: User, current: str, new: str) -> None:
    if not verify_password(current, user.password_hash):
        raise Invalid("current password is wrong", field="current_password")
    problem = password_problem(new)
    if problem:
        raise Invalid(problem, field="new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False


async def do_set_own_locale(session: AsyncSession, user: User, locale: str) -> None:
    """Remember the person's UI language on their account, so it follows them to any
    browser. Not audited: a personal preference, not a change to the shop."""
    user.locale = clean_locale(locale)
    await session.flush()
