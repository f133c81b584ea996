"""Widget fixtures: images made in memory, a shop that is open around the clock."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.conftest import chromium  # noqa: F401  (shared fixture)
from tests.chat.conftest import Shopper, make_shopper, server  # noqa: F401  (shared fixture)
from tests.factories import Persona
from tests.web.conftest import as_  # noqa: F401  (shared fixture)

ALWAYS_OPEN = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
NEVER_OPEN: dict[str, list[list[str]]] = {}


def png_bytes(width: int = 640, height: int = 480) -> bytes:
    """A real PNG: a photo of a parcel, as far as the tests are concerned."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


async def set_hours(client, owner: Persona, hours: dict[str, list[list[str]]]) -> None:
    async with client.as_(owner) as c:
        answer = await c.put("/api/v1/shop/business-hours", json={"hours": hours})
        assert answer.status_code == 200, answer.text


async def go_online(client, agent: Persona) -> None:
    async with client.as_(agent) as c:
        answer = await c.put("/api/v1/me/presence", json={"presence": "online"})
        assert answer.status_code == 200, answer.text


@pytest.fixture
async def acme_shopper(client, personas) -> Shopper:
    return await make_shopper(client)
