"""This server process's part in presence: it records the agent sockets it holds, vouches
for them every third of ``KEFU_PRESENCE_LEASE_SECONDS``, and sweeps agents whose sockets
are all gone (kefu/actions/presence.py). Every server process sweeps; the sweep is safe to
run anywhere at once, and a process that dies stops vouching, so its sockets expire."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kefu.access import Actor
from kefu.actions.presence import (
    close_connections,
    expire_presence,
    open_connection,
    refresh_connections,
)
from kefu.models.base import utcnow
from kefu.settings import Settings

log = logging.getLogger(__name__)


class AgentLeases:
    """The agent sockets open in this process, as ``agent_connections`` row ids."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        write_gate: AbstractAsyncContextManager[Any],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.grace_seconds = settings.presence_grace_seconds
        self.lease_seconds = settings.presence_lease_seconds
        self.write_gate = write_gate
        self.process = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._open: set[int] = set()
        self._task: asyncio.Task[None] | None = None

    async def opened(self, actor: Actor) -> int | None:
        """Record an agent's socket (None for anyone else, or when the database failed:
        then the socket works, only presence does not follow it)."""
        if actor.kind != "agent" or actor.id is None:
            return None
        try:
            async with self.write_gate, self.sessionmaker() as session:
                connection_id = await open_connection(session, actor, self.process)
                await session.commit()
        except Exception:
            log.exception("recording an agent socket failed")
            return None
        self._open.add(connection_id)
        return connection_id

    async def closed(self, connection_id: int | None) -> None:
        """The socket closed: its agent's grace starts (or, should this write fail, once
        the row's lease runs out)."""
        if connection_id is None:
            return
        self._open.discard(connection_id)
        await self._close([connection_id])

    async def _close(self, ids: list[int]) -> None:
        try:
            async with self.write_gate, self.sessionmaker() as session:
                await close_connections(session, ids, utcnow())
                await session.commit()
        except Exception:
            log.exception("recording closed agent sockets failed; their leases will expire")

    async def tick(self, now: datetime | None = None) -> list[int]:
        """Vouch for this process's sockets, then set gone agents offline (their ids)."""
        now = now or utcnow()
        async with self.write_gate, self.sessionmaker() as session:
            if self._open:
                await refresh_connections(session, set(self._open), now)
                await session.commit()
            return await expire_presence(
                session, now, grace_seconds=self.grace_seconds, lease_seconds=self.lease_seconds
            )

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a database hiccup must not end presence for good
                log.exception("presence round failed; trying again")
            await asyncio.sleep(self.lease_seconds / 3)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="kefu-presence")

    async def stop(self) -> None:
        """On shutdown the sockets close: the grace of their agents starts now."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._open:
            await self._close(sorted(self._open))
            self._open.clear()
