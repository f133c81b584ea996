"""Coaching on the quality pages: a supervisor writes a note on a scorecard, the agent
finds it on /quality and on the card, and acknowledges it with an answer."""

from __future__ import annotations

from tests.api.test_scorecards import closed_conversation
from tests.web.conftest import HOSTILE_NOTE


async def test_a_supervisor_coaches_on_the_card_and_the_agent_acknowledges(
    as_, client, sessionmaker, alice, carol
):
    await closed_conversation(client, sessionmaker, alice, ["有"])
    card_id = (await client.as_(alice).get("/api/v1/quality/scorecards")).json()["items"][0]["id"]
    supervisor = as_(carol)
    page = await supervisor.get(f"/quality/scorecards/{card_id}")
    assert f'action="/quality/scorecards/{card_id}/coaching"' in page.text
    assert "这张评分卡还没有辅导意见" in page.text

    empty = await supervisor.submit(f"/quality/scorecards/{card_id}/coaching", {"body": " "})
    assert empty.status_code == 422
    sent = await supervisor.submit(
        f"/quality/scorecards/{card_id}/coaching",
        {"body": f"开场要问候 {HOSTILE_NOTE}", "focus": ["greeting", "rating_ask"]},
    )
    assert sent.status_code == 303

    agent = as_(alice)
    listing = await agent.get("/quality")
    assert "辅导意见" in listing.text and "开场要问候" in listing.text
    assert HOSTILE_NOTE not in listing.text  # escaped
    assert "尚未确认" in listing.text
    card = await agent.get(f"/quality/scorecards/{card_id}")
    assert "开场要问候" in card.text and "问候语" in card.text
    assert f'action="/quality/scorecards/{card_id}/coaching"' not in card.text  # agents don't coach
    note_id = (await client.as_(alice).get("/api/v1/quality/coaching")).json()["items"][0]["id"]
    assert f'action="/quality/coaching/{note_id}/acknowledge"' in card.text
    done = await agent.submit(f"/quality/coaching/{note_id}/acknowledge", {"reply": "收到"})
    assert done.status_code == 303
    card = await agent.get(f"/quality/scorecards/{card_id}")
    assert "已于" in card.text and "收到" in card.text
    twice = await agent.submit(f"/quality/coaching/{note_id}/acknowledge", {"reply": ""})
    assert twice.status_code == 422
    assert "已经确认过了" in twice.text
