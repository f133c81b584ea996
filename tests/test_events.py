"""Events leave only after a commit: listeners never hear of a write that was rolled back."""

from __future__ import annotations

import pytest

from kefu.access import Actor
from kefu.actions.shop_data import do_upsert_products
from kefu.events import ShopDataChanged

TEE = {"external_id": "T-1", "sku": "T-1", "title": "纯棉T恤", "price_cents": 5900}


@pytest.fixture
def listen(app):
    """Subscribe for the length of one test."""
    added = []

    def subscribe(name, listener):
        app.state.bus.subscribe(name, listener)
        added.append((name, listener))

    yield subscribe
    for name, listener in added:
        app.state.bus.unsubscribe(name, listener)


async def test_event_is_published_after_commit_only(listen, sessionmaker, owen):
    heard: list[ShopDataChanged] = []
    listen(ShopDataChanged.name, heard.append)
    actor = Actor.system(owen.shop_id)
    async with sessionmaker() as session:
        await do_upsert_products(session, actor, [TEE])
        assert heard == []
        await session.commit()
    assert [(e.shop_id, e.payload["created"]) for e in heard] == [(owen.shop_id, 1)]


async def test_rolled_back_write_publishes_nothing(listen, sessionmaker, owen):
    heard: list[ShopDataChanged] = []
    listen(ShopDataChanged.name, heard.append)
    async with sessionmaker() as session:
        await do_upsert_products(session, Actor.system(owen.shop_id), [TEE])
        await session.rollback()
        await session.commit()
    assert heard == []


async def test_a_failing_listener_does_not_break_the_write(listen, client, owen):
    def broken(_event: object) -> None:
        raise RuntimeError("listener bug")

    listen(ShopDataChanged.name, broken)
    response = await client.as_(owen).post("/api/v1/products/bulk", json={"items": [TEE]})
    assert response.status_code == 200
    listed = await client.as_(owen).get("/api/v1/products")
    assert [p["external_id"] for p in listed.json()["items"]] == ["T-1"]
