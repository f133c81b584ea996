"""Routing fixtures: agents going online through the API, shoppers arriving through the
widget, and what the widget heard on the visitor's stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kefu.models import StreamEvent
from tests.factories import Persona


@dataclass(slots=True)
class Arrival:
    token: str
    public_id: str
    conversation: dict[str, Any]  # the widget's view, with queue_position

    @property
    def id(self) -> int:
        return self.conversation["id"]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Visitor-Token": self.token}


async def arrive(client, skill: str | None = "presale", token: str | None = None) -> Arrival:
    """A shopper opens the widget (again, with ``token``) and starts a conversation."""
    issued = await client.post("/api/v1/widget/acme/visitors", json={"token": token})
    assert issued.status_code == 200, issued.text
    token = issued.json()["token"]
    started = await client.post(
        "/api/v1/widget/conversations", json={"skill": skill}, headers={"X-Visitor-Token": token}
    )
    assert started.status_code == 200, started.text
    return Arrival(token, issued.json()["visitor_id"], started.json())


async def set_presence(client, persona: Persona, presence: str) -> None:
    response = await client.as_(persona).put("/api/v1/me/presence", json={"presence": presence})
    assert response.status_code == 200, response.text


async def set_max_chats(client, owen: Persona, persona: Persona, chats: int) -> None:
    response = await client.as_(owen).patch(
        f"/api/v1/agents/{persona.agent_id}", json={"max_concurrent_chats": chats}
    )
    assert response.status_code == 200, response.text


async def assignee(client, supervisor: Persona, arrival: Arrival) -> int | None:
    """Who has the conversation now, as a supervisor sees it."""
    seen = await client.as_(supervisor).get(f"/api/v1/conversations/{arrival.id}")
    return seen.json()["assigned_agent_id"]


async def widget_view(client, arrival: Arrival) -> dict[str, Any]:
    seen = await client.get(f"/api/v1/widget/conversations/{arrival.id}", headers=arrival.headers)
    assert seen.status_code == 200, seen.text
    return seen.json()


async def heard(sessionmaker, arrival: Arrival, name: str) -> list[dict[str, Any]]:
    """The payloads of ``name`` events the shopper's widget was sent, oldest first."""
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(StreamEvent.payload)
            .where(StreamEvent.stream == f"visitor:{arrival.public_id}", StreamEvent.name == name)
            .order_by(StreamEvent.id)
        )
        return list(rows)
