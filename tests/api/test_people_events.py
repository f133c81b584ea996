"""Writes to people and settings publish their events after the commit, and only then."""

from __future__ import annotations

import pytest

from kefu.events import Event


@pytest.fixture(scope="session")
def _recorded(app) -> list[Event]:
    events: list[Event] = []
    app.state.bus.subscribe("*", events.append)
    return events


@pytest.fixture
def published(_recorded) -> list[Event]:
    _recorded.clear()
    return _recorded


async def test_agent_team_and_settings_writes_publish_events(client, owen, alice, published):
    await client.as_(alice).put("/api/v1/me/presence", json={"presence": "online"})
    await client.as_(owen).post("/api/v1/teams", json={"name": "售前组"})
    await client.as_(owen).patch("/api/v1/shop", json={"locale": "en"})
    assert [(e.name, e.shop_id) for e in published] == [
        ("agent.changed", alice.shop_id),
        ("team.changed", alice.shop_id),
        ("shop.settings_changed", alice.shop_id),
    ]
    presence = published[0]
    assert presence.payload | {"display_name": "-"} == {
        "agent_id": alice.agent_id,
        "change": "presence",
        "display_name": "-",
        "role": "agent",
        "presence": "online",
        "active": True,
    }
    assert presence.recipients == frozenset({f"shop:{alice.shop_id}"})


async def test_a_refused_write_publishes_nothing(client, owen, published):
    refused = await client.as_(owen).post(f"/api/v1/agents/{owen.agent_id}/deactivate")
    assert refused.status_code == 409
    unchanged = await client.as_(owen).patch("/api/v1/shop", json={"locale": "zh_CN"})
    assert unchanged.status_code == 200
    assert published == []
