"""Routing on a real database: shoppers arrive through the widget, agents go on and off
line through the API, supervisors watch the queue.

Acme's people: owen (owner, senior, 售前), carol (supervisor, senior, 售后 + 投诉),
alice (agent, junior, 售前), bob (agent, intermediate, 售后). Everyone starts offline
with room for five chats."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import update

from kefu.actions.routing import do_route_conversation, routing_actor
from kefu.models import Agent, Conversation, Presence
from tests.routing.conftest import (
    arrive,
    assignee,
    heard,
    set_max_chats,
    set_presence,
    widget_view,
)


async def test_a_shopper_goes_to_an_online_agent_with_the_skill(client, owen, alice, bob, carol):
    await set_presence(client, alice, "online")
    await set_presence(client, bob, "online")
    presale, aftersale = await arrive(client, "presale"), await arrive(client, "aftersale")
    assert await assignee(client, carol, presale) == alice.agent_id
    assert await assignee(client, carol, aftersale) == bob.agent_id
    assert presale.conversation["queue_position"] is None
    # Nobody online handles complaints: the shopper waits, first in line.
    complaint = await arrive(client, "complaint")
    assert await assignee(client, carol, complaint) is None
    assert complaint.conversation["queue_position"] == 1
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    routed = [e for e in audit if e["action"] == "conversation.route"]
    assert {e["actor_label"] for e in routed} == {"自动分配"}
    assert {e["after"]["reason"] for e in routed} == {"skill"}


async def test_nobody_gets_more_chats_than_their_limit(client, owen, alice, carol, sessionmaker):
    await set_max_chats(client, owen, alice, 1)
    await set_presence(client, alice, "online")
    first, second, third = [await arrive(client) for _ in range(3)]
    assert await assignee(client, carol, first) == alice.agent_id
    assert [second.conversation["queue_position"], third.conversation["queue_position"]] == [1, 2]
    assert (await widget_view(client, third))["expected_wait_seconds"] > 0
    # The widget's header names who serves the shopper; nobody yet while she waits.
    assert [first.conversation["agent_name"], second.conversation["agent_name"]] == ["Alice", None]

    # Alice closes her chat: the oldest waiting shopper is hers, the next moves up.
    closed = await client.as_(alice).post(f"/api/v1/conversations/{first.id}/close", json={})
    assert closed.status_code == 200
    assert await assignee(client, carol, second) == alice.agent_id
    assert (await widget_view(client, second))["queue_position"] is None
    assert (await widget_view(client, second))["agent_name"] == "Alice"
    assert (await widget_view(client, first))["agent_name"] is None, "the chat has ended"
    assert (await widget_view(client, third))["queue_position"] == 1
    assert [e["change"] for e in await heard(sessionmaker, second, "conversation.changed")] == [
        "assigned"
    ]
    moves = await heard(sessionmaker, third, "queue.position_changed")
    assert [m["queue_position"] for m in moves] == [1]


async def test_the_least_loaded_then_the_longest_idle_agent_gets_the_next(
    client, owen, alice, carol
):
    await set_presence(client, owen, "online")
    await set_presence(client, alice, "online")
    arrivals = [await arrive(client) for _ in range(4)]
    # Both idle and empty: the lower id (owen); then alice has fewer chats; then both
    # have one and owen has waited longer since his last; then alice again.
    assert [await assignee(client, carol, a) for a in arrivals] == [
        owen.agent_id,
        alice.agent_id,
        owen.agent_id,
        alice.agent_id,
    ]


async def test_a_returning_shopper_goes_back_to_their_agent_while_online(
    client, owen, alice, carol
):
    await set_presence(client, alice, "online")
    first = await arrive(client)
    assert await assignee(client, carol, first) == alice.agent_id
    await client.as_(alice).post(f"/api/v1/conversations/{first.id}/close", json={})
    await arrive(client)  # someone else keeps alice busier than owen
    await set_presence(client, owen, "online")

    back = await arrive(client, token=first.token)
    assert back.id != first.id
    assert await assignee(client, carol, back) == alice.agent_id
    await client.as_(alice).post(f"/api/v1/conversations/{back.id}/close", json={})

    await set_presence(client, alice, "offline")
    again = await arrive(client, token=first.token)
    assert await assignee(client, carol, again) == owen.agent_id


async def test_overflow_goes_to_the_shops_overflow_team(client, owen, alice, bob, carol):
    await set_max_chats(client, owen, bob, 1)
    await set_presence(client, alice, "online")
    await set_presence(client, bob, "online")
    assert await assignee(client, carol, await arrive(client, "aftersale")) == bob.agent_id
    waiting = await arrive(client, "aftersale")
    assert await assignee(client, carol, waiting) is None  # alice sells; she has no 售后

    team = await client.as_(carol).post(
        "/api/v1/teams", json={"name": "机动组", "agent_ids": [alice.agent_id]}
    )
    policy = await client.as_(carol).put(
        "/api/v1/shop/routing", json={"overflow_team_id": team.json()["id"]}
    )
    assert policy.status_code == 200, policy.text
    # The new policy lets the waiting shopper through at once, and later ones too.
    assert await assignee(client, carol, waiting) == alice.agent_id
    assert await assignee(client, carol, await arrive(client, "aftersale")) == alice.agent_id


async def test_the_queue_is_served_first_come_first_served_when_an_agent_comes_online(
    client, owen, alice, carol, sessionmaker
):
    await set_max_chats(client, owen, alice, 2)
    arrivals = [await arrive(client) for _ in range(3)]
    await arrive(client, "complaint")
    queue = (await client.as_(carol).get("/api/v1/queue")).json()["items"]
    assert [q["conversation_id"] for q in queue[:3]] == [a.id for a in arrivals]
    assert [(q["skill"], q["position"]) for q in queue] == [
        ("presale", 1),
        ("presale", 2),
        ("presale", 3),
        ("complaint", 1),
    ]
    assert all(q["waiting_seconds"] >= 0 for q in queue)

    await set_presence(client, alice, "online")
    assert [await assignee(client, carol, a) for a in arrivals] == [
        alice.agent_id,
        alice.agent_id,
        None,
    ]
    last = await widget_view(client, arrivals[2])
    assert last["queue_position"] == 1
    moves = await heard(sessionmaker, arrivals[2], "queue.position_changed")
    assert moves[-1]["queue_position"] == 1
    queue = (await client.as_(carol).get("/api/v1/queue")).json()["items"]
    assert queue[0]["conversation_id"] == arrivals[2].id


async def test_going_offline_hands_back_the_chats_not_answered_yet(client, owen, alice, carol):
    await set_presence(client, alice, "online")
    answered, unanswered = await arrive(client), await arrive(client)
    reply = {"client_id": str(uuid.uuid4()), "body": "亲，在的，请问有什么可以帮您？"}
    sent = await client.as_(alice).post(f"/api/v1/conversations/{answered.id}/messages", json=reply)
    assert sent.status_code == 200
    await set_presence(client, owen, "online")

    await set_presence(client, alice, "offline")
    assert await assignee(client, carol, answered) == alice.agent_id
    assert await assignee(client, carol, unanswered) == owen.agent_id
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    assert "conversation.requeue" in [e["action"] for e in audit]


async def test_going_offline_with_nobody_else_puts_chats_back_in_the_queue(client, alice, carol):
    await set_presence(client, alice, "online")
    arrival = await arrive(client)
    await set_presence(client, alice, "offline")
    assert await assignee(client, carol, arrival) is None
    assert (await widget_view(client, arrival))["queue_position"] == 1
    queue = (await client.as_(carol).get("/api/v1/queue")).json()["items"]
    assert [q["conversation_id"] for q in queue] == [arrival.id]


async def test_two_shoppers_at_once_never_overfill_an_agent(client, owen, alice, carol):
    """Several starts race; each locks the shop's agent rows before counting chats, so
    alice (room for one) gets exactly one and the others wait."""
    await set_max_chats(client, owen, alice, 1)
    await set_presence(client, alice, "online")
    arrivals = await asyncio.gather(*(arrive(client) for _ in range(4)))
    owners = [await assignee(client, carol, a) for a in arrivals]
    assert owners.count(alice.agent_id) == 1
    assert owners.count(None) == 3
    places = [(await widget_view(client, a))["queue_position"] for a in arrivals]
    assert sorted(p or 0 for p in places) == [0, 1, 2, 3]


async def test_a_supervisor_may_overfill_an_agent_and_is_told(client, owen, alice, bob, carol):
    await set_max_chats(client, owen, alice, 1)
    await set_presence(client, alice, "online")
    await arrive(client)
    other = await arrive(client, "aftersale")
    moved = await client.as_(carol).post(
        f"/api/v1/conversations/{other.id}/assign", json={"agent_id": alice.agent_id}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assigned_agent_id"] == alice.agent_id
    assert {w["code"] for w in moved.json()["warnings"]} == {"over_capacity", "lacks_skill"}
    to_bob = await client.as_(carol).post(
        f"/api/v1/conversations/{other.id}/assign", json={"agent_id": bob.agent_id}
    )
    assert [w["code"] for w in to_bob.json()["warnings"]] == ["not_online"]


async def test_the_routing_policy_is_checked_and_kept(client, owen, carol, alice, mallory):
    default = (await client.as_(alice).get("/api/v1/shop/routing")).json()
    assert default["level_rules"]["complaint"] == {
        "order": ["senior", "intermediate", "junior"],
        "before_load": True,
    }
    assert (
        await client.as_(alice).put("/api/v1/shop/routing", json={"overflow_team_id": None})
    ).status_code == 403
    rules = {"presale": {"order": ["senior"], "before_load": False}}
    saved = await client.as_(carol).put("/api/v1/shop/routing", json={"level_rules": rules})
    assert saved.json() == {"overflow_team_id": None, "level_rules": rules}
    bad = await client.as_(carol).put(
        "/api/v1/shop/routing", json={"level_rules": {"presale": {"order": ["guru"]}}}
    )
    assert bad.status_code == 422
    acme_team = await client.as_(carol).post("/api/v1/teams", json={"name": "夜班组"})
    stolen = await client.as_(mallory).put(
        "/api/v1/shop/routing", json={"overflow_team_id": acme_team.json()["id"]}
    )
    assert stolen.status_code == 404
    team = await client.as_(carol).put(
        "/api/v1/shop/routing", json={"overflow_team_id": acme_team.json()["id"]}
    )
    assert team.json() == {"overflow_team_id": acme_team.json()["id"], "level_rules": rules}
    assert (await client.as_(owen).get("/api/v1/shop/routing")).json() == team.json()


async def test_only_supervisors_and_owners_see_the_queue(client, alice, carol, owen, mallory):
    waiting = await arrive(client)
    assert (await client.as_(alice).get("/api/v1/queue")).status_code == 403
    for persona in (carol, owen):
        items = (await client.as_(persona).get("/api/v1/queue")).json()["items"]
        assert [q["conversation_id"] for q in items] == [waiting.id]
    assert (await client.as_(mallory).get("/api/v1/queue")).json()["items"] == []


async def test_a_router_waits_for_another_routers_commit(client, owen, alice, sessionmaker):
    """Router A has given alice her only free slot but not committed yet; router B must
    wait for A's lock on the agent rows and then see the slot taken. (Without the lock B
    would read the old count and give alice a second chat.)"""
    await set_max_chats(client, owen, alice, 1)
    first, second = await arrive(client), await arrive(client)
    async with sessionmaker() as session:
        online = update(Agent).where(Agent.id == alice.agent_id)
        await session.execute(online.values(presence=Presence.ONLINE))
        await session.commit()
    actor = routing_actor(alice.shop_id)
    async with sessionmaker() as router_a, sessionmaker() as router_b:
        await do_route_conversation(router_a, actor, first.id)

        async def route_b() -> None:
            await do_route_conversation(router_b, actor, second.id)
            await router_b.commit()

        racing = asyncio.create_task(route_b())
        await asyncio.sleep(0.3)  # let B reach the lock (a head start, not an assertion)
        await router_a.commit()
        await racing
    async with sessionmaker() as session:
        owners = [
            (await session.get_one(Conversation, a.id)).assigned_agent_id for a in (first, second)
        ]
    assert owners == [alice.agent_id, None]


async def test_more_room_for_an_agent_lets_waiting_shoppers_through(client, owen, alice, carol):
    await set_max_chats(client, owen, alice, 1)
    await set_presence(client, alice, "online")
    first, waiting = await arrive(client), await arrive(client)
    assert await assignee(client, carol, waiting) is None
    await set_max_chats(client, owen, alice, 2)
    assert await assignee(client, carol, waiting) == alice.agent_id
    assert await assignee(client, carol, first) == alice.agent_id


async def test_an_agent_leaving_the_shop_hands_back_every_open_chat(client, owen, alice, carol):
    await set_presence(client, alice, "online")
    answered = await arrive(client)
    reply = {"client_id": str(uuid.uuid4()), "body": "您好，这款有现货"}
    await client.as_(alice).post(f"/api/v1/conversations/{answered.id}/messages", json=reply)
    await set_presence(client, owen, "online")
    left = await client.as_(carol).post(f"/api/v1/agents/{alice.agent_id}/deactivate")
    assert left.status_code == 200, left.text
    assert await assignee(client, carol, answered) == owen.agent_id
