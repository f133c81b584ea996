"""The demo shop's quality pages are not empty: every answered conversation of the history
has a scorecard, and a supervisor's week shows: reviews, coaching notes (one acknowledged,
one waiting), a dispute to decide and a decided one, and weekly averages."""

from __future__ import annotations

from sqlalchemy import func, select

from kefu.demo import staff
from kefu.demo.build import build_demo
from kefu.models.quality import Scorecard
from tests.demo.test_demo_people import _signed_in


async def test_the_demo_has_scorecards_reviews_coaching_and_disputes(
    client, sessionmaker, built_demo
):
    async with sessionmaker() as session:
        cards = await session.scalar(select(func.count()).select_from(Scorecard))
    assert cards > 100

    supervisor, _ = await _signed_in(client, sessionmaker, staff.SUPERVISOR)
    listed = (await supervisor.get("/api/v1/quality/scorecards", params={"limit": 200})).json()
    statuses = {card["status"] for card in listed["items"]}
    assert {"auto", "reviewed", "disputed", "decided"} <= statuses
    assert any(card["findings"].get("contempt") for card in listed["items"])
    notes = (await supervisor.get("/api/v1/quality/coaching")).json()["items"]
    assert len(notes) == 2
    assert sorted(n["acknowledged_at"] is None for n in notes) == [False, True]
    trends = await supervisor.get(
        "/api/v1/quality/scorecards/trends", params={"by": "team", "bucket": "week"}
    )
    assert len({p["start"] for p in trends.json()["points"]}) >= 4

    chen, chen_id = await _signed_in(client, sessionmaker, staff.AGENTS[0])
    waiting = (await chen.get("/api/v1/quality/coaching", params={"unacknowledged": True})).json()
    assert [n["agent_id"] for n in waiting["items"]] == [chen_id]
    assert "contempt" in waiting["items"][0]["focus"]

    upset = await supervisor.get("/api/v1/inbox", params={"emotion": "red", "status": "closed"})
    [item, *_] = upset.json()["items"]
    mood = (
        await supervisor.get(f"/api/v1/conversations/{item['conversation']['id']}/emotion")
    ).json()
    assert mood["changes"][-1]["emotion"] == "red" and mood["account"]["balance"] < 0

    async with sessionmaker() as session:  # a refresh adds nothing
        await build_demo(session)
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Scorecard)) == cards
