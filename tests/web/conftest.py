"""Helpers for page tests: a browser-like client that signs in through the login form."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import Persona

HTML = {"Accept": "text/html,application/xhtml+xml"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser(httpx.AsyncClient):
    """Keeps cookies like a browser and asks for HTML."""

    async def sign_in(self, persona: Persona, password: str | None = None) -> httpx.Response:
        form = await self.get("/login")
        return await self.post(
            "/login",
            data={
                "email": persona.email,
                "password": password or persona.password,
                "csrf_token": csrf_of(form.text),
            },
        )

    async def post_form(self, path: str, data: dict[str, object]) -> httpx.Response:
        """Post a form the way the page does: with the CSRF token it shows."""
        page = await self.get(path if "?" not in path else path.split("?")[0])
        return await self.post(path, data={"csrf_token": csrf_of(page.text), **data})


@pytest.fixture
async def browser(app):
    async with Browser(
        transport=httpx.ASGITransport(app=app), base_url="http://kefu.test", headers=HTML
    ) as b:
        yield b


@pytest.fixture
def as_(app):
    """A Browser already signed in as a persona (through its stored login session)."""
    clients: list[Browser] = []

    def make(persona: Persona) -> Browser:
        b = Browser(
            transport=httpx.ASGITransport(app=app),
            base_url="http://kefu.test",
            headers=HTML,
            cookies={"kefu_session": persona.session_token},
        )
        clients.append(b)
        return b

    yield make
