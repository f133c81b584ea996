"""Score trends: weekly (or daily) averages per agent and per team, cut at the shop's
midnight, computed by one aggregate query however many scorecards there are."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, update

from kefu.models.quality import Scorecard
from kefu.queries.scorecards import score_trends
from tests.api.test_scorecards import CARDS, CURT, GOOD, card_of, closed_conversation


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC) - timedelta(hours=8)


async def _closed_at(sessionmaker, card_id: int, when: datetime) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Scorecard).where(Scorecard.id == card_id).values(closed_at=when)
        )
        await session.commit()


async def _cards(client, sessionmaker, carol, agent, replies, times) -> None:
    for when in times:
        conversation_id = await closed_conversation(client, sessionmaker, agent, replies)
        card = await card_of(client.as_(carol), conversation_id)
        await _closed_at(sessionmaker, card["id"], when)


async def test_weeks_are_cut_at_the_shops_midnight(client, sessionmaker, alice, bob, carol):
    sunday_late = shanghai(2026, 11, 29, 23, 30)  # Sunday 15:30 UTC: the week of the 23rd
    monday_early = shanghai(2026, 11, 30, 0, 30)  # Sunday 16:30 UTC: the week of the 30th
    await _cards(client, sessionmaker, carol, alice, GOOD, [sunday_late, monday_early])
    await _cards(client, sessionmaker, carol, bob, CURT, [monday_early + timedelta(days=2)])
    params = {"by": "agent", "bucket": "week", "since": "2026-11-23", "until": "2026-12-06"}
    trends = (await client.as_(carol).get(f"{CARDS}/trends", params=params)).json()
    points = [(p["start"], p["group_id"], p["scorecards"], p["average"]) for p in trends["points"]]
    assert points == [
        ("2026-11-23", alice.agent_id, 1, 100.0),
        ("2026-11-30", alice.agent_id, 1, 100.0),
        ("2026-11-30", bob.agent_id, 1, 42.0),
    ]
    daily = await client.as_(carol).get(f"{CARDS}/trends", params=params | {"bucket": "day"})
    days = [p["start"] for p in daily.json()["points"]]
    assert days == ["2026-11-29", "2026-11-30", "2026-12-02"]


async def test_team_trends_are_one_query_however_many_cards(
    client, sessionmaker, alice, bob, carol
):
    team = await client.as_(carol).post(
        "/api/v1/teams", json={"name": "售后组", "agent_ids": [alice.agent_id, bob.agent_id]}
    )
    assert team.status_code in (200, 201), team.text
    monday = shanghai(2026, 11, 30, 10)
    await _cards(client, sessionmaker, carol, alice, GOOD, [monday, monday + timedelta(days=1)])
    await _cards(client, sessionmaker, carol, bob, CURT, [monday + timedelta(days=8)])

    statements: list[str] = []
    async with sessionmaker() as session:
        engine = session.bind.sync_engine

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            _span, points = await score_trends(
                session,
                carol.actor(),
                by="team",
                bucket="week",
                since=date(2026, 11, 23),
                until=date(2026, 12, 13),
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert [(p.start, p.name, p.scorecards, p.average) for p in points] == [
        (date(2026, 11, 30), "售后组", 2, 100.0),
        (date(2026, 12, 7), "售后组", 1, 42.0),
    ]
    assert len([s for s in statements if "scorecards" in s]) == 1
