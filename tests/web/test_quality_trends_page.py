"""The weekly score trends on /quality: a row per agent and per team, with a sparkline."""

from __future__ import annotations

from tests.api.test_scorecards import GOOD, closed_conversation


async def test_the_quality_page_shows_a_row_per_agent_and_team(
    as_, client, sessionmaker, alice, carol
):
    await client.as_(carol).post(
        "/api/v1/teams", json={"name": "夜班", "agent_ids": [alice.agent_id]}
    )
    await closed_conversation(client, sessionmaker, alice, GOOD)
    page = await as_(carol).get("/quality")
    assert page.status_code == 200
    assert 'id="trends-agent"' in page.text and 'id="trends-team"' in page.text
    assert "夜班" in page.text and "<polyline" in page.text
    assert "100.0" in page.text
