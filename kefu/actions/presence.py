"""Presence follows the agent's sockets, across server processes and crashes.

Each open agent WebSocket is an ``agent_connections`` row that its server process keeps
fresh (``seen_at``) and closes (``closed_at``). An agent is *gone* once none of their rows
is live (open and seen within the lease) and the newest of them ended at least the grace
ago. A gone agent who is online or away is set offline exactly as if they had chosen it
(audited, announced, their unanswered chats re-queued by ``do_requeue_agent_conversations``),
and their rows are deleted. Any server process may sweep at any time: the decision is
taken again under the shop's routing lock, so two sweepers never both act."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.access import Actor
from kefu.actions.agents import change_presence
from kefu.actions.routing import lock_routing
from kefu.db import any_row
from kefu.models import Agent, AgentConnection, Presence

DISCONNECT_LABEL = "连接断开"


def _live(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    return and_(AgentConnection.closed_at.is_(None), AgentConnection.seen_at >= now - lease)


async def open_connection(session: AsyncSession, actor: Actor, process: str) -> int:
    """Record an agent's newly opened socket; returns the row id its process refreshes."""
    row = AgentConnection(shop_id=actor.shop_id, agent_id=actor.id, process=process)
    session.add(row)
    await session.flush()
    return row.id


async def refresh_connections(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """The process still holds these sockets."""
    await session.execute(
        update(AgentConnection)
        .where(AgentConnection.id.in_(list(ids)), AgentConnection.closed_at.is_(None))
        .values(seen_at=now)
    )


async def close_connections(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """These sockets closed now: the grace starts."""
    await session.execute(
        update(AgentConnection)
        .where(AgentConnection.id.in_(list(ids)), AgentConnection.closed_at.is_(None))
        .values(seen_at=now, closed_at=now)
    )


async def _gone(
    session: AsyncSession, now: datetime, grace: timedelta, lease: timedelta, agent_id: int | None
) -> list[tuple[int, int]]:
    """(shop id, agent id) of the agents with rows, none live, the newest ended a grace ago."""
    live = func.sum(case((_live(now, lease), 1), else_=0))
    ended = func.max(func.coalesce(AgentConnection.closed_at, AgentConnection.seen_at))
    query = (
        select(AgentConnection.shop_id, AgentConnection.agent_id)
        .group_by(AgentConnection.shop_id, AgentConnection.agent_id)
        .having(live == 0, ended <= now - grace)
        .order_by(AgentConnection.agent_id)
    )
    if agent_id is not None:
        query = query.where(AgentConnection.agent_id == agent_id)
    return [(shop_id, agent) for shop_id, agent in await session.execute(query)]


async def _expire(
    session: AsyncSession,
    shop_id: int,
    agent_id: int,
    now: datetime,
    grace: timedelta,
    lease: timedelta,
) -> bool:
    """Set one gone agent offline, if they are still gone under the routing lock."""
    await lock_routing(session, shop_id)
    if not await _gone(session, now, grace, lease, agent_id):
        return False  # reconnected, or another sweeper got here first
    # Only the rows that made them gone: a socket opened meanwhile keeps its row.
    await session.execute(
        delete(AgentConnection).where(AgentConnection.agent_id == agent_id, ~_live(now, lease))
    )
    agent = await session.get_one(Agent, agent_id)
    await session.refresh(agent)
    if agent.presence is Presence.OFFLINE:
        return False
    await change_presence(session, Actor.system(shop_id, DISCONNECT_LABEL), agent, Presence.OFFLINE)
    return True


async def _forget_dead_rows(
    session: AsyncSession, now: datetime, grace: timedelta, lease: timedelta
) -> None:
    """Closed or expired rows of agents who are connected again tell nothing any more."""
    connected = select(AgentConnection.agent_id).where(_live(now, lease))
    dead = (
        ~_live(now, lease),
        func.coalesce(AgentConnection.closed_at, AgentConnection.seen_at) <= now - grace,
        AgentConnection.agent_id.in_(connected),
    )
    if await any_row(session, AgentConnection, *dead):  # mostly none: no write lock taken
        await session.execute(delete(AgentConnection).where(*dead))


async def expire_presence(
    session: AsyncSession, now: datetime, *, grace_seconds: float, lease_seconds: float
) -> list[int]:
    """Set every gone agent offline, one transaction each; returns their ids. Commits."""
    grace, lease = timedelta(seconds=grace_seconds), timedelta(seconds=lease_seconds)
    expired = []
    for shop_id, agent_id in await _gone(session, now, grace, lease, None):
        if await _expire(session, shop_id, agent_id, now, grace, lease):
            expired.append(agent_id)
        await session.commit()
    await _forget_dead_rows(session, now, grace, lease)
    await session.commit()
    return expired
