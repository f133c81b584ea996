"""Shop data for the case tests: a delivered order of acme with two lines, and a shopper's
conversation with a photo of the broken mug."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.chat.conftest import make_shopper
from tests.factories import Persona
from tests.widget.conftest import png_bytes

ORDER = {
    "external_id": "E2026110800123",
    "status": "delivered",
    "placed_at": "2026-11-08T20:15:00+08:00",
    "paid_at": "2026-11-08T20:16:00+08:00",
    "lines": [
        {"sku": "MUG-350", "title": "陶瓷马克杯 350ml", "quantity": 2, "unit_price_cents": 3900},
        {
            "sku": "FLASK-500",
            "title": "不锈钢保温杯 500ml",
            "quantity": 1,
            "unit_price_cents": 12900,
        },
    ],
}


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    mug_line_id: int  # 2 × 39.00 = 78.00 paid
    flask_line_id: int  # 129.00 paid


async def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.text)
    return response.json()


async def make_order(client, owner: Persona, **changes: Any) -> Order:
    api = client.as_(owner)
    created = await ok(await api.post("/api/v1/orders/bulk", json={"items": [ORDER | changes]}))
    detail = await ok(await api.get(f"/api/v1/orders/{created['ids'][0]}"))
    return Order(detail["id"], detail["lines"][0]["id"], detail["lines"][1]["id"])


@pytest.fixture
async def order(client, owen) -> Order:
    return await make_order(client, owen)


@dataclass(frozen=True, slots=True)
class Chat:
    conversation_id: int
    photo_id: int


@pytest.fixture
async def chat(client, personas) -> Chat:
    """A shopper wrote about a broken mug and sent a photo of it."""
    shopper = await make_shopper(client, "acme", skill="aftersale")
    photo = await ok(
        await client.post(
            f"/api/v1/widget/conversations/{shopper.conversation_id}/images",
            files={"file": ("杯子碎了.png", png_bytes(), "image/png")},
            headers=shopper.headers,
        )
    )
    return Chat(shopper.conversation_id, photo["id"])


async def open_case(client, persona: Persona, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "顾客反馈收到的马克杯有裂痕")
    response = await client.as_(persona).post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.text
    return response.json()
