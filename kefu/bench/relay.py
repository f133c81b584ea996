"""The baseline of ``kefu bench chat``: a bare Starlette WebSocket relay, no database.

It speaks the subset of Kefu's realtime protocol the load generator uses (hello/welcome,
message → ack, ``message.created`` events to the agent and back to the visitor), so the
same load generator drives both servers. Serve with
``uvicorn --factory kefu.bench.relay:create_app``."""

from __future__ import annotations

import json
from itertools import count

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


class Relay:
    """Agent sockets by agent key; a visitor's query string names its conversation's agent."""

    def __init__(self) -> None:
        self.agents: dict[str, WebSocket] = {}
        self.ids = count(1)

    async def _welcome(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()  # the hello
        await websocket.send_text(json.dumps({"type": "welcome", "last_event_id": 0}))

    async def agent(self, websocket: WebSocket) -> None:
        key = websocket.query_params["agent"]
        await self._welcome(websocket)
        self.agents[key] = websocket
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            self.agents.pop(key, None)

    async def visitor(self, websocket: WebSocket) -> None:
        agent_key = websocket.query_params["agent"]
        await self._welcome(websocket)
        try:
            while True:
                frame = json.loads(await websocket.receive_text())
                message_id = next(self.ids)
                message = {
                    "id": message_id,
                    "conversation_id": frame["conversation_id"],
                    "client_id": frame["client_id"],
                    "body": frame["body"],
                }
                event = json.dumps(
                    {
                        "type": "event",
                        "id": message_id,
                        "name": "message.created",
                        "data": {"message": message},
                    },
                    ensure_ascii=False,
                )
                ack = {"type": "ack", "client_id": frame["client_id"], "message_id": message_id}
                await websocket.send_text(json.dumps(ack))
                await websocket.send_text(event)
                agent = self.agents.get(agent_key)
                if agent is not None:
                    await agent.send_text(event)
        except WebSocketDisconnect:
            return


def create_app() -> Starlette:
    relay = Relay()
    return Starlette(
        routes=[
            WebSocketRoute("/ws/agent", relay.agent),
            WebSocketRoute("/ws/visitor", relay.visitor),
        ]
    )
