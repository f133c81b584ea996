"""Who a conversation counts for on the leaderboard: the agent who actually takes it. A
chat opened while nobody was online is credited to whoever takes it from the queue, once,
whether its fact was folded into the rollups already or not; after the first answer a
transfer no longer moves it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from kefu.reports.periods import shop_zone
from kefu.reports.rollup import fold_all
from tests.chat.conftest import make_shopper
from tests.knowledge.conftest import say


def _today() -> dict[str, str]:
    today = datetime.now(UTC).astimezone(shop_zone(None)).date().isoformat()
    return {"start": today, "end": today}


async def _conversations_by_agent(client, carol) -> dict[int, float | None]:
    board = await client.as_(carol).get("/api/v1/reports/agents", params=_today())
    assert board.status_code == 200, board.text
    return {row["agent_id"]: row["kpis"]["conversations"] for row in board.json()["items"]}


async def _opened(client, carol) -> float:
    overview = await client.as_(carol).get("/api/v1/reports/overview", params=_today())
    return {k["code"]: k for k in overview.json()["kpis"]}["conversations"]["value"]


async def _assign(client, persona, conversation_id: int, agent_id: int | None) -> None:
    response = await client.as_(persona).post(
        f"/api/v1/conversations/{conversation_id}/assign", json={"agent_id": agent_id}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("folded", [False, True])
async def test_the_agent_taking_a_queued_chat_gets_its_credit_once(
    client, sessionmaker, carol, alice, bob, folded
):
    shopper = await make_shopper(client, "acme", skill="presale")  # nobody online: queued
    await say(client, shopper, "这款保温杯能装开水吗")
    if folded:
        async with sessionmaker() as session:
            assert await fold_all(session) > 0
    assert not (await _conversations_by_agent(client, carol)).get(alice.agent_id)
    await _assign(client, alice, shopper.conversation_id, alice.agent_id)  # alice takes it
    board = await _conversations_by_agent(client, carol)
    assert board[alice.agent_id] == 1
    assert await _opened(client, carol) == 1
    # Handed to bob before anyone answered: bob is the one who takes the chat.
    await _assign(client, carol, shopper.conversation_id, bob.agent_id)
    board = await _conversations_by_agent(client, carol)
    assert (board.get(alice.agent_id) or 0, board[bob.agent_id]) == (0, 1)
    assert await _opened(client, carol) == 1


async def test_after_the_first_answer_a_transfer_keeps_the_credit(client, carol, alice, bob):
    shopper = await make_shopper(client, "acme", skill="aftersale")
    await say(client, shopper, "快递显示签收了但我没收到")
    await _assign(client, alice, shopper.conversation_id, alice.agent_id)
    said = {"client_id": str(uuid.uuid4()), "body": "亲，我马上帮您联系快递核实"}
    api = client.as_(alice)
    path = f"/api/v1/conversations/{shopper.conversation_id}"
    assert (await api.post(f"{path}/messages", json=said)).status_code == 200
    await _assign(client, alice, shopper.conversation_id, bob.agent_id)
    board = await _conversations_by_agent(client, carol)
    assert board[alice.agent_id] == 1
    assert not board.get(bob.agent_id)
