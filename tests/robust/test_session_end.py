"""An agent's open WebSocket ends soon after their login does: deactivated, logged out,
password reset, or an API key revoked. Other logins of the shop keep their sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import uvicorn

from kefu.app import create_app
from kefu.lib.secrets import new_token, sha256_hex
from kefu.models import LoginSession
from kefu.models.base import utcnow
from tests.chat.conftest import agent_socket, free_port
from tests.chat.wsclient import Socket
from tests.factories import Persona

POLICY_VIOLATION = 1008


async def ended(socket: Socket) -> tuple[list[dict], int | None]:
    """The frames until the server closed the socket, and the close code."""
    frames = await socket.drain()
    return frames, socket.ws.close_code


async def still_open(socket: Socket) -> bool:
    await socket.send({"type": "ping"})
    return (await socket.expect(lambda f: f["type"] == "pong")) is not None


async def second_login(sessionmaker, persona: Persona) -> str:
    """The same person signed in on another computer: another cookie."""
    token = new_token()
    async with sessionmaker() as session:
        session.add(
            LoginSession(
                token_hash=sha256_hex(token),
                user_id=persona.user_id,
                shop_id=persona.shop_id,
                csrf_token=new_token(24),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        await session.commit()
    return token


async def test_a_deactivated_agent_loses_their_socket(server, client, owen, alice, bob):
    alice_ws, bob_ws = await agent_socket(server, alice), await agent_socket(server, bob)
    done = await client.as_(owen).post(f"/api/v1/agents/{alice.agent_id}/deactivate")
    assert done.status_code == 200, done.text
    frames, code = await ended(alice_ws)
    assert code == POLICY_VIOLATION
    notice = next(f for f in frames if f.get("name") == "agent.session_ended")
    assert notice["data"] == {"agent_id": alice.agent_id, "reason": "deactivated"}
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "session_ended"
    assert await still_open(bob_ws)
    await bob_ws.close()


async def test_logging_out_closes_that_logins_sockets_only(server, client, sessionmaker, alice):
    other_token = await second_login(sessionmaker, alice)
    here = await agent_socket(server, alice)
    elsewhere = await Socket.open(
        f"ws://{server}/ws/agent", headers={"Cookie": f"kefu_session={other_token}"}
    )
    out = await client.as_(alice).post("/logout", data={"csrf_token": alice.csrf_token})
    assert out.status_code == 303, out.text
    frames, code = await ended(here)
    assert code == POLICY_VIOLATION
    assert [f["code"] for f in frames if f["type"] == "error"] == ["session_ended"]
    assert await still_open(elsewhere)  # signed in on the other computer still
    await elsewhere.close()


async def test_a_password_reset_closes_every_socket_of_the_agent(
    server, client, sessionmaker, owen, alice
):
    sockets = [
        await agent_socket(server, alice),
        await Socket.open(
            f"ws://{server}/ws/agent",
            headers={"Cookie": f"kefu_session={await second_login(sessionmaker, alice)}"},
        ),
    ]
    reset = await client.as_(owen).post(f"/api/v1/agents/{alice.agent_id}/reset-password")
    assert reset.status_code == 200, reset.text
    for socket in sockets:
        assert (await ended(socket))[1] == POLICY_VIOLATION


@pytest.fixture
async def quick_server(settings) -> AsyncIterator[str]:
    """A second server on the same database whose sockets check their login every 0.2 s."""
    app = create_app(settings.model_copy(update={"ws_heartbeat_seconds": 0.2}))
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve())
    while not runner.started:  # noqa: ASYNC110 - uvicorn only offers this flag
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{config.port}"
    runner.should_exit = True
    await task


async def test_a_revoked_api_key_loses_its_socket_at_the_next_check(quick_server, client, owen):
    created = await client.as_(owen).post("/api/v1/api-keys", json={"name": "京东适配器"})
    key = created.json()
    socket = await Socket.open(
        f"ws://{quick_server}/ws/agent", headers={"Authorization": f"Bearer {key['key']}"}
    )
    assert await still_open(socket)
    revoked = await client.as_(owen).post(f"/api/v1/api-keys/{key['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    frames, code = await ended(socket)
    assert code == POLICY_VIOLATION
    assert frames[-1]["code"] == "session_ended"
