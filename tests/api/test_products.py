"""Products through the REST API: bulk upsert, idempotency, errors.

Isolation from other shops: test_tenant_isolation.py."""

from __future__ import annotations

PRODUCTS = {
    "items": [
        {
            "external_id": "P-1001",
            "title": "纯棉短袖T恤 男款 白色",
            "category": "服装",
            "price_cents": 7900,
            "stock": 120,
            "attributes": {"尺码表": {"M": "身高165-170", "L": "身高170-175"}},
        },
        {
            "external_id": "P-2001",
            "title": "保湿精华液 30ml",
            "category": "美妆",
            "price_cents": 15900,
        },
    ]
}


async def test_owner_upserts_products_and_resending_changes_nothing(client, owen):
    api = client.as_(owen)
    first = await api.post("/api/v1/products/bulk", json=PRODUCTS)
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    again = await api.post("/api/v1/products/bulk", json=PRODUCTS)
    assert again.json() == {**first.json(), "created": 0, "unchanged": 2}
    listing = (await api.get("/api/v1/products", params={"category": "服装"})).json()
    assert [p["title"] for p in listing["items"]] == ["纯棉短袖T恤 男款 白色"]
    assert listing["items"][0]["sku"] == "P-1001"


async def test_update_changes_only_what_was_sent_differently(client, owen):
    api = client.as_(owen)
    await api.post("/api/v1/products/bulk", json=PRODUCTS)
    changed = {"items": [{**PRODUCTS["items"][1], "price_cents": 12900}]}
    result = (await api.post("/api/v1/products/bulk", json=changed)).json()
    assert (result["created"], result["updated"]) == (0, 1)
    product = (await api.get(f"/api/v1/products/{result['ids'][0]}")).json()
    assert product["price_cents"] == 12900


async def test_agent_may_read_but_not_write_products(client, owen, alice):
    await client.as_(owen).post("/api/v1/products/bulk", json=PRODUCTS)
    assert (await client.as_(alice).get("/api/v1/products")).status_code == 200
    response = await client.as_(alice).post("/api/v1/products/bulk", json=PRODUCTS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_bad_input_is_a_readable_422(client, owen):
    bad = {"items": [{"external_id": "X", "title": "负价格", "price_cents": -1}]}
    response = await client.as_(owen).post("/api/v1/products/bulk", json=bad)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "items.0.price_cents"
    assert "greater than or equal to 0" in error["message"]


async def test_write_without_csrf_token_is_refused(client, owen):
    client.cookies.set("kefu_session", owen.session_token)
    response = await client.post("/api/v1/products/bulk", json=PRODUCTS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    garbled = await client.post(
        "/api/v1/products/bulk",
        json=PRODUCTS,
        headers={"X-CSRF-Token": "jeton-volé".encode("latin-1")},
    )
    assert garbled.json()["error"]["code"] == "csrf_failed", "a token in any script is refused"


async def test_anonymous_request_is_401(client):
    response = await client.get("/api/v1/products")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_cursor_pagination_walks_every_row_once(client, owen):
    items = [
        {"external_id": f"SKU-{i:03}", "title": f"商品 {i}", "price_cents": 100 * i}
        for i in range(7)
    ]
    await client.as_(owen).post("/api/v1/products/bulk", json={"items": items})
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await client.as_(owen).get("/api/v1/products", params=params)).json()
        seen += [p["external_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["external_id"] for i in items]
    broken = await client.as_(owen).get("/api/v1/products", params={"cursor": "%%%"})
    assert broken.status_code == 422
    assert broken.json()["error"]["field"] == "cursor"
