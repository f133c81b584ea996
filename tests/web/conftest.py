"""Page tests: a browser-like client (cookies, Accept: text/html) and an acme order with
a customer, lines and a shipment with tracking."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest

from kefu.models import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from tests.factories import Persona

HTML = {"Accept": "text/html,application/xhtml+xml"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_NOTE = '"><img src=x onerror=alert(1)>'


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser(httpx.AsyncClient):
    """Keeps cookies like a browser, asks for HTML and posts forms with their CSRF token."""

    csrf: str = ""

    async def sign_in(
        self, email: str, password: str, next_url: str | None = None
    ) -> httpx.Response:
        form = await self.get("/login")
        data = {"email": email, "password": password, "csrf_token": csrf_of(form.text)}
        if next_url is not None:
            data["next"] = next_url
        return await self.post("/login", data=data)

    async def submit(self, path: str, data: dict[str, object] | None = None) -> httpx.Response:
        if not self.csrf:
            self.csrf = csrf_of((await self.get("/")).text)
        return await self.post(path, data={"csrf_token": self.csrf, **(data or {})})


def _browser(app, **kwargs) -> Browser:
    return Browser(
        transport=httpx.ASGITransport(app=app), base_url="http://kefu.test", headers=HTML, **kwargs
    )


@pytest.fixture
async def browser(app) -> AsyncIterator[Browser]:
    async with _browser(app) as b:
        yield b


@pytest.fixture
async def as_(app) -> AsyncIterator[Callable[[Persona], Browser]]:
    """``as_(owen)``: a Browser signed in as a persona (through its stored login)."""
    opened: list[Browser] = []

    def make(persona: Persona) -> Browser:
        b = _browser(app, cookies={"kefu_session": persona.session_token})
        b.csrf = persona.csrf_token
        opened.append(b)
        return b

    yield make
    for b in opened:
        await b.aclose()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def acme_order(sessionmaker, owen) -> Order:
    """Order 2026110100001 of a customer with a hostile name, shipped with SF Express."""
    async with sessionmaker() as s:
        customer = Customer(
            shop_id=owen.shop_id,
            external_id="C-9001",
            name=HOSTILE_NAME,
            phone="13812345678",
            email="wang.fang@example.cn",
            tags=["VIP"],
        )
        s.add(customer)
        await s.flush()
        order = Order(
            shop_id=owen.shop_id,
            external_id="2026110100001",
            customer_id=customer.id,
            status=OrderStatus.SHIPPED,
            total_cents=25800,
            placed_at=at("2026-11-01T02:30:00"),
            paid_at=at("2026-11-01T02:31:00"),
            address={
                "name": "王芳",
                "phone": "13812345678",
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "line": "文三路 90 号",
            },
            note=HOSTILE_NOTE,
        )
        order.lines = [
            OrderLine(
                shop_id=owen.shop_id,
                line_no=1,
                sku="P-1001-L",
                title="纯棉短袖T恤 男款 白色 L",
                quantity=2,
                unit_price_cents=7900,
                amount_cents=15800,
            ),
            OrderLine(
                shop_id=owen.shop_id,
                line_no=2,
                sku="P-2001",
                title="保湿精华液 30ml",
                quantity=1,
                unit_price_cents=10000,
                amount_cents=10000,
            ),
        ]
        s.add(order)
        await s.flush()
        shipment = Shipment(
            shop_id=owen.shop_id,
            external_id="S-1",
            order_id=order.id,
            carrier="顺丰速运",
            tracking_no="SF1234567890",
            status=ShipmentStatus.IN_TRANSIT,
            shipped_at=at("2026-11-01T08:00:00"),
        )
        shipment.events = [
            TrackingEvent(
                shop_id=owen.shop_id,
                at=at("2026-11-01T08:00:00"),
                status=ShipmentStatus.PENDING,
                location="杭州",
                description="快件已揽收",
            ),
            TrackingEvent(
                shop_id=owen.shop_id,
                at=at("2026-11-02T01:15:00"),
                status=ShipmentStatus.IN_TRANSIT,
                location="上海转运中心",
                description="快件已到达上海转运中心",
            ),
        ]
        s.add(shipment)
        await s.commit()
        return order
