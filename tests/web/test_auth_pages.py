"""Signing in and out through the pages: CSRF, lock-out, safe redirects, language."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update

from kefu.app import create_app
from kefu.models import Agent, Role, User
from tests.web.conftest import HTML, csrf_of


async def test_sign_in_lands_on_the_overview_in_chinese(browser, owen):
    response = await browser.sign_in(owen.email, owen.password)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "kefu_session=" in c)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = await browser.get("/")
    assert home.status_code == 200
    assert '<html lang="zh-CN">' in home.text
    assert "概览" in home.text and "Acme 旗舰店" in home.text


async def test_wrong_password_is_refused_with_a_readable_message(browser, owen):
    response = await browser.sign_in(owen.email, "not-my-password-1")
    assert response.status_code == 401
    assert "邮箱或密码错误" in response.text
    assert "kefu_session" not in browser.cookies
    assert (await browser.get("/")).headers["location"].startswith("/login")


async def test_repeated_failures_lock_the_account_even_for_the_right_password(
    browser, owen, settings
):
    for _ in range(settings.login_max_failures):
        assert (await browser.sign_in(owen.email, "wrong-guess-42")).status_code == 401
    locked = await browser.sign_in(owen.email, owen.password)
    assert locked.status_code == 423
    assert "账号已被暂时锁定" in locked.text
    assert "kefu_session" not in browser.cookies


async def test_login_form_without_its_csrf_token_is_refused(browser, owen):
    await browser.get("/login")
    response = await browser.post(
        "/login", data={"email": owen.email, "password": owen.password, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "表单已过期" in response.text
    assert "kefu_session" not in browser.cookies


async def test_a_signed_in_form_without_the_csrf_token_is_refused(as_, owen):
    owner = as_(owen)
    response = await owner.post("/logout", data={})
    assert response.status_code == 403
    assert (await owner.get("/")).status_code == 200  # still signed in


async def test_sign_out_ends_the_session(browser, owen):
    await browser.sign_in(owen.email, owen.password)
    page = await browser.get("/")
    response = await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await browser.get("/")).headers["location"] == "/login?next=/"


async def test_pages_send_a_visitor_to_the_login_and_back(browser, owen):
    first = await browser.get("/orders?status=paid")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/orders%3Fstatus%3Dpaid"
    response = await browser.sign_in(owen.email, owen.password, next_url="/orders?status=paid")
    assert response.headers["location"] == "/orders?status=paid"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
async def test_next_never_leaves_the_site(browser, owen, target):
    response = await browser.sign_in(owen.email, owen.password, next_url=target)
    assert response.headers["location"] == "/"


async def test_language_switch_is_remembered(as_, owen):
    owner = as_(owen)
    english = await owner.get("/?lang=en")
    assert '<html lang="en">' in english.text and "Overview" in english.text
    assert "kefu_lang=en" in english.headers["set-cookie"]
    assert "Recent orders" in (await owner.get("/")).text
    chinese = await owner.get("/?lang=zh-CN")
    assert "最近订单" in chinese.text


async def _saved_locale(session, persona) -> str | None:
    return await session.scalar(select(User.locale).where(User.id == persona.user_id))


async def test_language_choice_follows_the_user_to_another_browser(as_, browser, owen, session):
    await as_(owen).get("/?lang=en")
    assert await _saved_locale(session, owen) == "en"
    login_page = await browser.get("/login?lang=zh-CN")  # anonymous: the cookie decides
    assert '<html lang="zh-CN">' in login_page.text
    await browser.sign_in(owen.email, owen.password)
    assert "Recent orders" in (await browser.get("/")).text


async def test_a_bad_language_choice_changes_nothing(as_, owen, session):
    home = await as_(owen).get("/?lang=fr")
    assert '<html lang="zh-CN">' in home.text
    assert await _saved_locale(session, owen) is None


async def test_saved_locale_of_the_user_is_used_without_a_cookie(as_, owen, session):
    await session.execute(update(User).where(User.id == owen.user_id).values(locale="en"))
    await session.commit()
    assert "Recent orders" in (await as_(owen).get("/")).text


async def test_must_change_password_before_anything_else(as_, alice, session):
    await session.execute(
        update(User).where(User.id == alice.user_id).values(must_change_password=True)
    )
    await session.commit()
    agent = as_(alice)
    blocked = await agent.get("/orders")
    assert blocked.status_code == 303 and blocked.headers["location"] == "/account/password"
    form = {"current_password": alice.password, "confirm_password": "新密码-2026-abc"}
    differ = await agent.submit("/account/password", form | {"new_password": "other-pw-99"})
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
    done = await agent.submit("/account/password", form | {"new_password": "新密码-2026-abc"})
    assert done.status_code == 303
    welcome = await agent.get("/")
    assert welcome.status_code == 200 and "密码已修改" in welcome.text


async def test_switching_shop_changes_what_the_pages_show(as_, owen, mallory, session):
    session.add(
        Agent(shop_id=mallory.shop_id, user_id=owen.user_id, display_name="Owen", role=Role.AGENT)
    )
    await session.commit()
    owner = as_(owen)
    assert "Mallory Mart" in (await owner.get("/")).text  # offered in the switcher
    switched = await owner.submit("/shops/switch", {"shop_id": mallory.shop_id})
    assert switched.status_code == 303
    home = (await owner.get("/")).text
    assert '<span class="shop-dot">M</span><span>Mallory Mart</span>' in home


async def test_nobody_switches_into_a_shop_they_do_not_work_for(as_, owen, mallory):
    response = await as_(owen).submit("/shops/switch", {"shop_id": mallory.shop_id})
    assert response.status_code == 404


async def test_nul_characters_are_refused_not_a_server_error(browser, as_, owen):
    form = await browser.get("/login")
    response = await browser.post(
        "/login",
        data={"email": "owen\x00@acme.example", "password": "x", "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 422
    assert (await as_(owen).get("/orders?q=%00")).status_code == 422


async def test_cookies_are_secure_when_served_over_https(settings, owen):
    app = create_app(settings.model_copy(update={"secure_cookies": True}))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://kefu.test", headers=HTML
        ) as b:
            form = await b.get("/login")
            assert "Secure" in form.headers["set-cookie"]
            response = await b.post(
                "/login",
                data={
                    "email": owen.email,
                    "password": owen.password,
                    "csrf_token": csrf_of(form.text),
                },
            )
        session_cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("kefu_session=")
        )
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    finally:
        await app.state.engine.dispose()
