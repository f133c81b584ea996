"""Coaching notes through the API: a supervisor coaches the agent a scorecard scores, the
agent is told live, reads and acknowledges it; other agents, keys and shops cannot."""

from __future__ import annotations

from sqlalchemy import select

from kefu.models import StreamEvent
from tests.api.test_scorecards import CARDS, CURT, card_of, closed_conversation

COACHING = "/api/v1/quality/coaching"


async def _events(sessionmaker, name: str) -> list[tuple[str, dict]]:
    async with sessionmaker() as session:
        rows = await session.execute(
            select(StreamEvent.stream, StreamEvent.payload)
            .where(StreamEvent.name == name)
            .order_by(StreamEvent.id)
        )
        return [(stream, payload) for stream, payload in rows]


async def test_a_supervisor_coaches_and_the_agent_acknowledges(client, sessionmaker, alice, carol):
    conversation_id = await closed_conversation(client, sessionmaker, alice, CURT)
    card = await card_of(client.as_(carol), conversation_id)
    written = await client.as_(carol).post(
        f"{CARDS}/{card['id']}/coaching",
        json={
            "body": "开场先问候，再回答问题。\n结束时请邀请评价。",
            "focus": ["rating_ask", "greeting"],
        },
    )
    assert written.status_code == 201, written.text
    note = written.json()
    assert note["agent_id"] == alice.agent_id and note["author_id"] == carol.agent_id
    assert note["focus"] == ["greeting", "rating_ask"]  # in the card's order
    assert note["body"].endswith("结束时请邀请评价。") and note["acknowledged_at"] is None

    [(stream, payload)] = await _events(sessionmaker, "coaching.created")
    assert stream == f"agent:{alice.agent_id}"
    assert payload["id"] == note["id"] and payload["scorecard_id"] == card["id"]

    mine = (await client.as_(alice).get(COACHING, params={"unacknowledged": True})).json()
    assert [n["id"] for n in mine["items"]] == [note["id"]]
    acknowledged = await client.as_(alice).post(
        f"{COACHING}/{note['id']}/acknowledge", json={"reply": "收到，下次注意"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_at"] is not None
    assert acknowledged.json()["reply"] == "收到，下次注意"
    again = await client.as_(alice).post(f"{COACHING}/{note['id']}/acknowledge", json={})
    assert again.status_code == 409
    [(stream, payload)] = await _events(sessionmaker, "coaching.acknowledged")
    assert stream == f"agent:{carol.agent_id}" and payload["reply"] == "收到，下次注意"
    assert (await client.as_(alice).get(COACHING, params={"unacknowledged": True})).json()[
        "items"
    ] == []
    everyone = (await client.as_(carol).get(COACHING, params={"agent_id": alice.agent_id})).json()
    assert [n["id"] for n in everyone["items"]] == [note["id"]]


async def test_only_supervisors_coach_and_only_the_coached_agent_acknowledges(
    client, sessionmaker, alice, bob, carol
):
    conversation_id = await closed_conversation(client, sessionmaker, alice, CURT)
    card = await card_of(client.as_(carol), conversation_id)
    url = f"{CARDS}/{card['id']}/coaching"
    by_agent = await client.as_(bob).post(url, json={"body": "多用您"})
    assert by_agent.status_code == 403
    empty = await client.as_(carol).post(url, json={"body": "   "})
    assert empty.status_code == 422
    unknown = await client.as_(carol).post(url, json={"body": "注意语气", "focus": ["rudeness"]})
    assert unknown.status_code == 422
    assert "rudeness" in unknown.json()["error"]["message"]
    note = (await client.as_(carol).post(url, json={"body": "注意语气"})).json()

    assert (await client.as_(bob).get(COACHING)).json()["items"] == []
    peek = await client.as_(bob).post(f"{COACHING}/{note['id']}/acknowledge", json={})
    assert peek.status_code == 403
    for_her = await client.as_(carol).post(f"{COACHING}/{note['id']}/acknowledge", json={})
    assert for_her.status_code == 403  # the author is not the agent coached


async def test_another_shop_sees_and_coaches_nothing(client, sessionmaker, alice, carol, mallory):
    conversation_id = await closed_conversation(client, sessionmaker, alice, CURT)
    card = await card_of(client.as_(carol), conversation_id)
    note = (
        await client.as_(carol).post(f"{CARDS}/{card['id']}/coaching", json={"body": "注意问候"})
    ).json()
    api = client.as_(mallory)
    coached = await api.post(f"{CARDS}/{card['id']}/coaching", json={"body": "看看"})
    assert coached.status_code == 404
    assert (await api.post(f"{COACHING}/{note['id']}/acknowledge", json={})).status_code == 404
    assert (await api.get(COACHING)).json()["items"] == []
