"""Agent growth: the level assessment against the shop's promotion criteria, figures from
the reporting store over the last 90 days, strengths next to the team's median, quality
findings, and promotions that need a reason unless the agent is eligible. Every expected
figure below is worked out by hand from the facts each test records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from kefu.models import Agent, AuditEntry, Conversation, Message, SenderKind, TrainingRecord
from kefu.models.base import utcnow
from kefu.models.growth import TrainingKind
from kefu.models.reports import ReportKind as K
from kefu.reports.facts import record_fact
from kefu.reports.levels import months_between

# Promotion to 中级: six months as 初级, 3 resolved conversations, 4 training hours,
# first response ≤ 60 s, CSAT ≥ 75 %, QA score ≥ 90. To 高级: 12 months, 1 conversation,
# first response ≤ 30 s.
CRITERIA = {
    "intermediate": {
        "min_months": 6,
        "min_conversations": 3,
        "min_training_hours": 4,
        "kpis": {"first_response_seconds": 60, "csat": 0.75, "qa_score": 90},
    },
    "senior": {
        "min_months": 12,
        "min_conversations": 1,
        "min_training_hours": 0,
        "kpis": {"first_response_seconds": 30},
    },
}


def _days_ago(days: int):
    return utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=days)


async def record_agent_facts(
    sessionmaker, persona, facts: list[tuple[K, int]], days_ago: int = 2
) -> None:
    """Facts of one agent, a minute apart from ``days_ago`` days ago (within the 90)."""
    async with sessionmaker() as session:
        for n, (kind, value) in enumerate(facts):
            at = _days_ago(days_ago) + timedelta(minutes=n)
            record_fact(
                session,
                persona.shop_id,
                kind,
                value=value,
                occurred_at=at,
                agent_id=persona.agent_id,
            )
        await session.commit()


async def _level_since(sessionmaker, persona, days: int) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(Agent).where(Agent.id == persona.agent_id).values(level_since=_days_ago(days))
        )
        await session.commit()


async def _training(sessionmaker, persona, days: int, minutes: int) -> None:
    async with sessionmaker() as session:
        session.add(
            TrainingRecord(
                shop_id=persona.shop_id,
                agent_id=persona.agent_id,
                title="售后退换货流程",
                kind=TrainingKind.ADVANCED,
                held_on=(utcnow() - timedelta(days=days)).date(),
                minutes=minutes,
            )
        )
        await session.commit()


async def _alice_and_bob(sessionmaker, client, carol, alice, bob) -> None:
    """Alice (初级 for 217 days, so at least 7 months): first responses of 40, 50 and 90 s
    (mean 60), 3 resolved, 4 ratings of which 3 good (75 %), 10 inspected replies of which
    2 flagged (QA 80), training of 2.5 h and 1.5 h since her level and 3 h before it.
    Bob (中级 for 400 days): one first response of 20 s and one resolved conversation."""
    patched = await client.as_(carol).patch("/api/v1/shop/levels", json=CRITERIA)
    assert patched.status_code == 200, patched.text
    await _level_since(sessionmaker, alice, 217)
    await _level_since(sessionmaker, bob, 400)
    alice_facts = [(K.FIRST_RESPONSE, s) for s in (40, 50, 90)] + [(K.RESOLVED, 0)] * 3
    alice_facts += [(K.RATING, 5), (K.RATING_GOOD, 0)] * 3 + [(K.RATING, 2), (K.RATING_BAD, 0)]
    alice_facts += [(K.QA_REPLY, 0)] * 8 + [(K.QA_REPLY, 1), (K.QA_FLAGGED, 0)] * 2
    await record_agent_facts(sessionmaker, alice, alice_facts)
    await record_agent_facts(sessionmaker, bob, [(K.FIRST_RESPONSE, 20), (K.RESOLVED, 0)])
    await _training(sessionmaker, alice, 30, 150)
    await _training(sessionmaker, alice, 10, 90)
    await _training(sessionmaker, alice, 300, 180)  # before she became 初级: not counted


def _checks(assessment: dict) -> dict[str, tuple]:
    return {c["code"]: (c["figure"], c["threshold"], c["met"]) for c in assessment["checks"]}


async def test_each_criterion_is_met_or_not_with_its_figure(
    sessionmaker, client, carol, alice, bob
):
    await _alice_and_bob(sessionmaker, client, carol, alice, bob)
    growth = (await client.as_(carol).get(f"/api/v1/agents/{alice.agent_id}/growth")).json()
    assessment = growth["assessment"]
    assert (assessment["level"], assessment["next_level"]) == ("junior", "intermediate")
    assert assessment["months_at_level"] >= 7
    assert (assessment["conversations"], assessment["training_hours"]) == (3, 4.0)
    checks = _checks(assessment)
    assert checks["months"][1:] == (6, True)
    assert checks["conversations"] == (3, 3, True)
    assert checks["training_hours"] == (4.0, 4, True)
    assert checks["first_response_seconds"] == (60, 60, True)
    assert checks["csat"] == (0.75, 0.75, True)
    assert checks["qa_score"] == (80, 90, False)
    assert assessment["eligible"] is False
    first_response = next(c for c in assessment["checks"] if c["code"] == "first_response_seconds")
    assert first_response["maximum"] is True

    bobs = (await client.as_(carol).get(f"/api/v1/agents/{bob.agent_id}/growth")).json()
    checks = _checks(bobs["assessment"])
    assert bobs["assessment"]["next_level"] == "senior"
    assert checks["first_response_seconds"] == (20, 30, True)
    assert checks["conversations"] == (1, 1, True)
    assert bobs["assessment"]["eligible"] is True


async def test_strengths_and_things_to_work_on_are_next_to_the_team_median(
    sessionmaker, client, carol, alice, bob
):
    """First responses: alice 60 s, bob 20 s, median 40 s. CSAT: only alice rated, so
    the median is hers and it is neither."""
    await _alice_and_bob(sessionmaker, client, carol, alice, bob)
    hers = (await client.as_(carol).get(f"/api/v1/agents/{alice.agent_id}/growth")).json()
    his = (await client.as_(carol).get(f"/api/v1/agents/{bob.agent_id}/growth")).json()
    assert hers["team_medians"]["first_response_seconds"] == 40
    assert "first_response_seconds" in hers["to_improve"]
    assert "first_response_seconds" in his["strengths"]
    assert "csat" not in hers["strengths"] + hers["to_improve"]
    weeks = [w for w in hers["weeks"] if w["kpis"]["first_response_seconds"] is not None]
    assert [w["kpis"]["first_response_seconds"] for w in weeks] == [60]


async def test_the_most_frequent_findings_of_the_agents_replies(sessionmaker, client, alice):
    """Replies of alice: two with contempt (one also impatience), one good, one of bob's."""
    async with sessionmaker() as session:
        conversation = Conversation(shop_id=alice.shop_id)
        session.add(conversation)
        await session.flush()
        for sender, findings in (
            (alice.agent_id, ["contempt", "impatience"]),
            (alice.agent_id, ["contempt"]),
            (alice.agent_id, []),
            (alice.agent_id + 1, ["quarrel"]),
        ):
            session.add(
                Message(
                    shop_id=alice.shop_id,
                    conversation_id=conversation.id,
                    sender_kind=SenderKind.AGENT,
                    sender_id=sender,
                    body="……",
                    findings=findings,
                    created_at=_days_ago(1),
                )
            )
        await session.commit()
    growth = (await client.as_(alice).get(f"/api/v1/agents/{alice.agent_id}/growth")).json()
    assert growth["findings"] == [
        {"code": "contempt", "replies": 2},
        {"code": "impatience", "replies": 1},
    ]


@pytest.mark.parametrize(
    ("since", "today", "months"),
    [
        (date(2026, 3, 1), date(2026, 8, 31), 5),
        (date(2026, 3, 1), date(2026, 9, 1), 6),
        (date(2026, 8, 31), date(2027, 2, 28), 5),
        (date(2026, 8, 31), date(2027, 3, 1), 6),
        (date(2026, 12, 2), date(2026, 12, 2), 0),
    ],
)
def test_months_at_a_level_are_whole_calendar_months(since, today, months):
    assert months_between(since, today) == months


async def test_five_months_as_junior_is_not_enough_for_intermediate(
    sessionmaker, client, carol, alice
):
    await client.as_(carol).patch("/api/v1/shop/levels", json=CRITERIA)
    await _level_since(sessionmaker, alice, 150)  # at most 5 calendar months
    assessment = (await client.as_(carol).get(f"/api/v1/agents/{alice.agent_id}/growth")).json()
    months = next(c for c in assessment["assessment"]["checks"] if c["code"] == "months")
    assert months["figure"] <= 5 and months["met"] is False


async def test_a_promotion_without_eligibility_needs_a_reason_and_is_audited(
    sessionmaker, client, carol, alice, bob
):
    await _alice_and_bob(sessionmaker, client, carol, alice, bob)
    api = client.as_(carol)
    path = f"/api/v1/agents/{alice.agent_id}/level"
    refused = await api.post(path, json={"level": "intermediate"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "reason"
    assert "qa_score" in refused.json()["error"]["message"]
    promoted = await api.post(path, json={"level": "intermediate", "reason": "带教新人表现突出"})
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["level"] == "intermediate"
    assert promoted.json()["months_at_level"] == 0, "a new level starts counting again"

    eligible = await api.post(f"/api/v1/agents/{bob.agent_id}/level", json={"level": "senior"})
    assert eligible.status_code == 200, eligible.text
    async with sessionmaker() as session:
        audits = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "agent.promote")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [(a.entity_id, a.after.get("reason")) for a in audits] == [
        (str(alice.agent_id), "带教新人表现突出"),
        (str(bob.agent_id), None),
    ]
    assert audits[0].after["unmet"] == ["qa_score"] and audits[0].after["eligible"] is False


async def test_a_demotion_needs_a_reason(client, carol, bob):
    api = client.as_(carol)
    path = f"/api/v1/agents/{bob.agent_id}/level"
    assert (await api.post(path, json={"level": "junior"})).status_code == 422
    demoted = await api.post(path, json={"level": "junior", "reason": "连续两月质检不合格"})
    assert demoted.status_code == 200 and demoted.json()["level"] == "junior"


async def test_an_agent_cannot_promote_themselves(client, alice):
    path = f"/api/v1/agents/{alice.agent_id}/level"
    refused = await client.as_(alice).post(path, json={"level": "senior", "reason": "我很棒"})
    assert refused.status_code == 403
