"""Presence follows the agent's sockets: the last one gone for the grace sets the agent
offline and hands their unanswered chats back to the queue; a reconnect within the grace
keeps the status; a server process that dies cannot leave anyone online for ever."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from kefu.models import Agent, AgentConnection, AuditEntry, Presence
from kefu.models.base import utcnow
from kefu.realtime.presence import AgentLeases
from tests.chat.conftest import agent_socket
from tests.chat.processes import ServerProcess
from tests.factories import Persona
from tests.routing.conftest import arrive, assignee, set_presence

POLLS = 200  # × 0.05 s: a safety net while the server notices a closed socket


def later(seconds: float):
    return utcnow() + timedelta(seconds=seconds)


async def presence_of(sessionmaker, persona: Persona) -> Presence:
    async with sessionmaker() as session:
        return (await session.get_one(Agent, persona.agent_id)).presence


async def open_sockets(sessionmaker, persona: Persona) -> int:
    """The agent's sockets the database counts as open (not yet closed)."""
    async with sessionmaker() as session:
        return await session.scalar(
            select(func.count())
            .select_from(AgentConnection)
            .where(
                AgentConnection.agent_id == persona.agent_id, AgentConnection.closed_at.is_(None)
            )
        )


async def until_open_sockets(sessionmaker, persona: Persona, count: int) -> None:
    for _ in range(POLLS):
        if await open_sockets(sessionmaker, persona) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} open sockets of {persona.name}")


async def test_the_last_socket_gone_for_the_grace_sets_the_agent_offline_and_requeues(
    server, app, client, sessionmaker, settings, owen, alice, carol
):
    leases: AgentLeases = app.state.agent_leases
    grace = settings.presence_grace_seconds
    await set_presence(client, alice, "online")
    tabs = [await agent_socket(server, alice), await agent_socket(server, alice)]
    shopper = await arrive(client, "presale")
    assert await assignee(client, carol, shopper) == alice.agent_id

    await tabs[0].close()
    await until_open_sockets(sessionmaker, alice, 1)
    assert await leases.tick(later(grace + 1)) == []  # the other tab is still open
    await tabs[1].close()
    await until_open_sockets(sessionmaker, alice, 0)
    assert await leases.tick(later(grace / 2)) == []  # within the grace
    assert await presence_of(sessionmaker, alice) is Presence.ONLINE

    assert await leases.tick(later(grace + 1)) == [alice.agent_id]
    assert await presence_of(sessionmaker, alice) is Presence.OFFLINE
    assert await assignee(client, carol, shopper) is None  # back in the queue
    audit = (await client.as_(owen).get("/api/v1/audit")).json()["items"]
    gone = next(e for e in audit if e["action"] == "agent.set_presence")
    assert (gone["actor_label"], gone["after"]) == ("连接断开", {"presence": "offline"})
    assert "conversation.requeue" in {e["action"] for e in audit}
    async with sessionmaker() as session:  # nothing left to remember about her sockets
        assert await session.scalar(select(func.count()).select_from(AgentConnection)) == 0


async def test_a_reload_within_the_grace_keeps_the_status(
    server, app, client, sessionmaker, settings, alice
):
    leases: AgentLeases = app.state.agent_leases
    await set_presence(client, alice, "away")
    first = await agent_socket(server, alice)
    await first.close()
    await until_open_sockets(sessionmaker, alice, 0)
    again = await agent_socket(server, alice)  # the page reloaded
    far = settings.presence_grace_seconds + 1
    assert await leases.tick(later(far)) == []
    assert await presence_of(sessionmaker, alice) is Presence.AWAY
    async with sessionmaker() as session:  # the closed tab's row is forgotten, not hers
        left = list(await session.scalars(select(AgentConnection.closed_at)))
    assert left == [None]
    await again.close()


async def test_a_dead_server_process_cannot_leave_an_agent_online(
    app, sessionmaker, settings, client, alice, bob
):
    """Process "other" records alice's socket, then dies: it never closes nor vouches."""
    await set_presence(client, alice, "online")
    await set_presence(client, bob, "online")  # bob never had a socket: left alone
    other = AgentLeases(sessionmaker, settings, app.state.write_gate)
    assert await other.opened(alice.actor()) is not None
    here: AgentLeases = app.state.agent_leases
    lease, grace = settings.presence_lease_seconds, settings.presence_grace_seconds

    # Gone once its lease ran out and the grace passed since it was last vouched for.
    gone_after = max(lease, grace)
    assert await here.tick(later(gone_after - 1)) == []
    assert await here.tick(later(gone_after + 1)) == [alice.agent_id]
    assert await presence_of(sessionmaker, alice) is Presence.OFFLINE
    assert await presence_of(sessionmaker, bob) is Presence.ONLINE


async def test_two_processes_sweeping_at_once_set_the_agent_offline_once(
    app, sessionmaker, settings, client, alice
):
    await set_presence(client, alice, "online")
    leases = [AgentLeases(sessionmaker, settings, app.state.write_gate) for _ in range(2)]
    connection = await leases[0].opened(alice.actor())
    await leases[0].closed(connection)
    when = later(settings.presence_grace_seconds + 1)
    swept = await asyncio.gather(*(process.tick(when) for process in leases))
    assert sorted(swept) == [[], [alice.agent_id]]
    async with sessionmaker() as session:
        entries = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "agent.set_presence", AuditEntry.actor_kind == "system")
        )
    assert entries == 1


async def test_shutting_a_server_down_starts_the_grace_of_its_agents(
    app, sessionmaker, settings, client, alice
):
    await set_presence(client, alice, "online")
    process = AgentLeases(sessionmaker, settings, app.state.write_gate)
    await process.opened(alice.actor())
    await process.stop()
    assert await open_sockets(sessionmaker, alice) == 0
    assert await app.state.agent_leases.tick(later(settings.presence_grace_seconds + 1)) == [
        alice.agent_id
    ]


async def test_kill_9_of_the_server_holding_the_socket_sets_the_agent_offline_later(
    app, sessionmaker, settings, client, alice
):
    """A real second server process holds alice's socket, then is killed: no close, no
    shutdown. The sweep of this process sets her offline once the lease and grace pass."""
    await set_presence(client, alice, "online")
    other = await ServerProcess(settings).start()
    try:
        socket = await agent_socket(other.address, alice)
        await until_open_sockets(sessionmaker, alice, 1)
        here: AgentLeases = app.state.agent_leases
        assert await here.tick(later(settings.presence_grace_seconds + 1)) == []  # vouched for
        await other.kill()
    finally:
        await other.stop()
    assert await open_sockets(sessionmaker, alice) == 1  # nobody closed it
    gone_after = max(settings.presence_lease_seconds, settings.presence_grace_seconds)
    assert await here.tick(later(gone_after + 1)) == [alice.agent_id]
    assert await presence_of(sessionmaker, alice) is Presence.OFFLINE
    await socket.ws.close()
