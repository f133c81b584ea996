"""API keys end to end: created by an owner, used by an integrator, revoked."""

from __future__ import annotations

from kefu.models import ApiKey

PRODUCT = {"items": [{"external_id": "P-1", "title": "羊毛围巾 灰色", "price_cents": 19900}]}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _new_key(client, owner, name: str = "ERP 同步") -> dict:
    response = await client.as_(owner).post("/api/v1/api-keys", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


async def test_key_lifecycle_create_use_revoke(client, session, owen):
    await client.as_(owen).post("/api/v1/products/bulk", json=PRODUCT)
    created = await _new_key(client, owen)
    assert created["key"].startswith("kefu_")
    assert created["key"].startswith(created["prefix"])
    assert created["last_used_at"] is None

    products = await client.get("/api/v1/products", headers=bearer(created["key"]))
    assert [p["title"] for p in products.json()["items"]] == ["羊毛围巾 灰色"]
    listed = (await client.as_(owen).get("/api/v1/api-keys")).json()
    assert listed[0]["last_used_at"] is not None
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    stored = await session.get(ApiKey, created["id"])
    assert created["key"] not in (stored.key_hash, stored.prefix)

    revoked = await client.as_(owen).post(f"/api/v1/api-keys/{created['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    refused = await client.get("/api/v1/products", headers=bearer(created["key"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


async def test_a_key_writes_shop_data_and_the_audit_names_it(client, owen):
    key = await _new_key(client, owen, "库存同步")
    written = await client.post("/api/v1/products/bulk", json=PRODUCT, headers=bearer(key["key"]))
    assert written.status_code == 200
    audit = (await client.as_(owen).get("/api/v1/audit", params={"actor_kind": "api_key"})).json()
    assert [e["action"] for e in audit["items"]] == ["product.create"]
    assert audit["items"][0]["actor_label"].startswith("API key 库存同步")


async def test_a_key_cannot_manage_people_or_keys(client, owen):
    key = bearer((await _new_key(client, owen))["key"])
    new_agent = {"email": "hacker@example.com", "name": "黑客", "password": "letmein-123"}
    for method, path, body in [
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"name": "再来一把"}),
        ("POST", "/api/v1/agents", new_agent),
        ("GET", "/api/v1/audit", None),
        ("PATCH", "/api/v1/shop", {"name": "被改名"}),
    ]:
        response = await client.request(method, path, headers=key, json=body)
        assert response.status_code == 403, (method, path)
    me = await client.get("/api/v1/me", headers=key)
    assert me.status_code == 403


async def test_only_owners_manage_keys(client, carol, alice):
    for persona in (carol, alice):
        response = await client.as_(persona).post("/api/v1/api-keys", json={"name": "偷偷的"})
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "your role may not do this (manage_api_keys)"
        assert (await client.as_(persona).get("/api/v1/api-keys")).status_code == 403


async def test_unknown_or_malformed_keys_get_401(client):
    for header in ("Bearer kefu_nope", "Bearer sk-elsewhere"):
        response = await client.get("/api/v1/products", headers={"Authorization": header})
        assert response.status_code == 401
