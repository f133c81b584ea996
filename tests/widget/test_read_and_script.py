"""Read receipts (the shopper's "已读"), the widget script itself, and the demo store."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from kefu.app import create_app
from kefu.lib.tokens import customer_signature
from kefu.models import Product
from tests.chat.conftest import make_shopper, visitor_socket
from tests.factories import make_shop

GZIP_BUDGET = 50 * 1024


async def shopper_says(client, shopper, text: str) -> int:
    sent = await client.post(
        f"/api/v1/widget/conversations/{shopper.conversation_id}/messages",
        json={"client_id": str(uuid.uuid4()), "body": text},
        headers=shopper.headers,
    )
    assert sent.status_code == 200, sent.text
    return sent.json()["id"]


async def test_the_shopper_sees_when_an_agent_has_read(client, server, alice, acme_shopper):
    first = await shopper_says(client, acme_shopper, "请问这件卫衣起球吗？")
    socket = await visitor_socket(server, acme_shopper)
    try:
        async with client.as_(alice) as c:
            read = await c.post(
                f"/api/v1/conversations/{acme_shopper.conversation_id}/read",
                json={"message_id": first},
            )
            assert read.json() == {
                "conversation_id": acme_shopper.conversation_id,
                "last_read_message_id": first,
                "agent_read_message_id": first,
            }
        event = await socket.expect(lambda f: f.get("name") == "conversation.read")
        assert event["data"] == {
            "conversation_id": acme_shopper.conversation_id,
            "message_id": first,
        }
    finally:
        await socket.ws.close()
    own = await client.get(
        f"/api/v1/widget/conversations/{acme_shopper.conversation_id}", headers=acme_shopper.headers
    )
    assert own.json()["agent_read_message_id"] == first


async def test_the_read_marker_only_moves_forward(client, alice, acme_shopper):
    first = await shopper_says(client, acme_shopper, "在吗")
    second = await shopper_says(client, acme_shopper, "想问下发什么快递")
    path = f"/api/v1/conversations/{acme_shopper.conversation_id}/read"
    async with client.as_(alice) as c:
        await c.post(path, json={"message_id": second})
        again = await c.post(path, json={"message_id": first})
        assert again.json()["agent_read_message_id"] == second


async def test_only_the_shops_agents_mark_read(client, mallory, alice, acme_shopper):
    message = await shopper_says(client, acme_shopper, "在吗")
    path = f"/api/v1/conversations/{acme_shopper.conversation_id}/read"
    async with client.as_(mallory) as c:
        assert (await c.post(path, json={"message_id": message})).status_code == 404
    assert (
        await client.post(path, json={"message_id": message}, headers=acme_shopper.headers)
    ).status_code == 401
    other = await make_shopper(client)
    other_message = await shopper_says(client, other, "别人的消息")
    async with client.as_(alice) as c:
        refused = await c.post(path, json={"message_id": other_message})
        assert refused.status_code == 404
        assert refused.json()["error"]["field"] == "message_id"


async def test_the_script_is_small_javascript_anyone_may_load(client):
    served = await client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.headers["content-encoding"] == "gzip"
    assert len(gzip.compress(served.content)) < GZIP_BUDGET
    raw = await client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content, 9)) < GZIP_BUDGET
    assert b"attachShadow" in raw.content
    cached = await client.get("/widget.js", headers={"If-None-Match": served.headers["etag"]})
    assert cached.status_code == 304


async def test_the_script_never_parses_data_as_html():
    """The widget builds its DOM with textContent; innerHTML and friends are not used."""
    from kefu.channels.web_widget.script import SCRIPT

    source = SCRIPT.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source


@pytest.fixture
async def demo_client(settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a server in demo mode (as `kefu demo` runs it), on the test database."""
    app = create_app(settings.model_copy(update={"demo_mode": True}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as client:
        yield client
    await app.state.engine.dispose()


async def test_demo_store_needs_the_demo_shop(demo_client, personas):
    assert (await demo_client.get("/demo/store")).status_code == 404


async def test_demo_store_lists_products_and_embeds_the_widget(client, demo_client, sessionmaker):
    async with sessionmaker() as session:
        shop = await make_shop(session, "demo", "小鹿优选旗舰店")
        product = Product(
            shop_id=shop.id,
            external_id="CL-DN01",
            sku="XLCLDN01",
            title="90白鸭绒轻薄羽绒服",
            category="服装",
            price_cents=59900,
            stock=12,
            attributes={"尺码表": {"M": "身高160-168cm"}, "颜色": ["黑色", "藏青"]},
        )
        session.add(product)
        await session.commit()
    assert (await client.get("/demo/store")).status_code == 404, "only in demo mode"
    front = await demo_client.get("/demo/store")
    assert front.status_code == 200
    assert "90白鸭绒轻薄羽绒服" in front.text and "¥599.00" in front.text
    assert 'src="http://kefu.test/widget.js" data-shop="demo"' in front.text
    # Its own icon, inline: the browser asks for no /favicon.ico (no 404 in the console).
    assert '<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,' in front.text
    page = await demo_client.get(f"/demo/store/products/{product.id}")
    assert page.status_code == 200
    assert "身高160-168cm" in page.text and "藏青" in page.text
    assert "data-product=" in page.text
    assert (await demo_client.get("/demo/store/products/999999")).status_code == 404


async def test_demo_store_plays_a_signed_in_customer(demo_client, sessionmaker):
    async with sessionmaker() as session:
        shop = await make_shop(session, "demo", "小鹿优选旗舰店")
        await session.commit()
    signed_in = await demo_client.get("/demo/store?customer=C00042")
    expected = customer_signature(shop.widget_secret, "C00042")
    assert f'data-customer-id="C00042" data-customer-signature="{expected}"' in signed_in.text
    for anonymous in ("/demo/store", '/demo/store?customer="><script>'):
        assert "data-customer-id" not in (await demo_client.get(anonymous)).text
