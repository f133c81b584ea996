"""Signing in and out through the pages: CSRF, lock-out, safe redirects, language."""

from __future__ import annotations


async def test_sign_in_lands_on_the_overview_in_chinese(browser, owen):
    response = await browser.sign_in(owen)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "kefu_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = await browser.get("/")
    assert home.status_code == 200
    assert "概览" in home.text
    assert "Acme 旗舰店" in home.text
