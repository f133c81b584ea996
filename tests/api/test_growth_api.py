"""Agent growth through the REST API: the shop's promotion criteria (defaults, changes,
bad input), training records (supervisors write, an agent reads only her own) and who
may see whose growth."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from kefu.models import Agent
from kefu.models.base import utcnow

TRAINING = {
    "title": "新员工入职培训：平台规则与服务礼仪",
    "kind": "onboarding",
    "held_on": "2026-11-02",
    "hours": 2.5,
    "score": 92,
    "notes": "考核通过",
}


async def test_the_default_criteria_follow_the_seeds(client, alice):
    levels = (await client.as_(alice).get("/api/v1/shop/levels")).json()
    assert levels["intermediate"]["min_months"] == 6  # 必须在初级客服上坐满6个月以上
    assert levels["senior"]["min_months"] == 12
    assert levels["intermediate"]["kpis"]["first_response_seconds"] == 30


async def test_a_supervisor_changes_some_criteria_and_the_rest_stay(client, carol, alice):
    api = client.as_(carol)
    changed = await api.patch(
        "/api/v1/shop/levels", json={"intermediate": {"min_months": 3, "kpis": {"csat": 0.8}}}
    )
    assert changed.status_code == 200, changed.text
    levels = (await client.as_(alice).get("/api/v1/shop/levels")).json()
    assert levels["intermediate"]["min_months"] == 3
    assert levels["intermediate"]["kpis"] == {"csat": 0.8}
    assert levels["intermediate"]["min_conversations"] == 300
    assert levels["senior"]["min_months"] == 12
    refused = await client.as_(alice).patch(
        "/api/v1/shop/levels", json={"senior": {"min_months": 1}}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"intermediate": {"kpis": {"speed_of_light": 1}}}, "intermediate.kpis.speed_of_light"),
        ({"intermediate": {"kpis": {"conversations": 10}}}, "intermediate.kpis.conversations"),
        ({"senior": {"kpis": {"csat": 1.5}}}, "senior.kpis.csat"),
        ({"senior": {"min_months": -1}}, "senior.min_months"),
        ({"senior": {"min_monhts": 3}}, "senior.min_monhts"),
        ({"expert": {"min_months": 3}}, "expert"),
    ],
)
async def test_bad_criteria_are_refused_with_the_field(client, carol, body, field):
    refused = await client.as_(carol).patch("/api/v1/shop/levels", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field


async def test_training_records_are_written_by_supervisors(client, carol, alice):
    api = client.as_(carol)
    path = f"/api/v1/agents/{alice.agent_id}/trainings"
    created = await api.post(path, json=TRAINING)
    assert created.status_code == 201, created.text
    record = created.json()
    assert (record["hours"], record["score"], record["created_by_agent_id"]) == (
        2.5,
        92,
        carol.agent_id,
    )
    exam = TRAINING | {"title": "季度考核", "kind": "exam", "held_on": "2026-11-20", "hours": 1}
    await api.post(path, json=exam)
    listed = (await client.as_(alice).get(path)).json()
    assert [r["title"] for r in listed] == ["季度考核", TRAINING["title"]], "latest first"

    changed = await api.patch(f"{path}/{record['id']}", json={"hours": 3, "score": None})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["hours"], changed.json()["score"]) == (3.0, None)
    assert (await api.delete(f"{path}/{record['id']}")).status_code == 204
    assert [r["title"] for r in (await api.get(path)).json()] == ["季度考核"]
    assert (await api.delete(f"{path}/{record['id']}")).status_code == 404


async def test_an_agent_reads_her_own_training_but_writes_none(client, carol, alice, bob):
    record = (
        await client.as_(carol).post(f"/api/v1/agents/{bob.agent_id}/trainings", json=TRAINING)
    ).json()
    api = client.as_(alice)
    own = f"/api/v1/agents/{alice.agent_id}/trainings"
    bobs = f"/api/v1/agents/{bob.agent_id}/trainings"
    assert (await api.get(own)).json() == []
    assert (await api.post(own, json=TRAINING)).status_code == 403
    assert (await api.get(bobs)).status_code == 403
    assert (await api.get(f"/api/v1/agents/{bob.agent_id}/growth")).status_code == 403
    assert (await api.patch(f"{bobs}/{record['id']}", json={"hours": 9})).status_code == 403
    assert (await api.delete(f"{bobs}/{record['id']}")).status_code == 403
    # A record is reached only under its own agent's path.
    mixed = f"/api/v1/agents/{alice.agent_id}/trainings/{record['id']}"
    assert (await client.as_(carol).delete(mixed)).status_code == 404


async def test_another_shops_agent_is_not_found(client, alice, mallory):
    api = client.as_(alice)
    for path in (
        f"/api/v1/agents/{mallory.agent_id}/growth",
        f"/api/v1/agents/{mallory.agent_id}/trainings",
    ):
        assert (await api.get(path)).status_code == 404, path
    created = await client.as_(mallory).post(
        f"/api/v1/agents/{alice.agent_id}/trainings", json=TRAINING
    )
    assert created.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": -1}, "hours"),
        ({"hours": 0}, "hours"),
        ({"score": 101}, "score"),
        ({"kind": "vacation"}, "kind"),
        ({"title": ""}, "title"),
        ({"held_on": "2026-13-01"}, "held_on"),
    ],
)
async def test_bad_training_input_is_a_422(client, carol, alice, change, field):
    path = f"/api/v1/agents/{alice.agent_id}/trainings"
    refused = await client.as_(carol).post(path, json=TRAINING | change)
    assert refused.status_code == 422, refused.text
    assert field in (refused.json()["error"]["field"] or "")


async def test_the_team_overview_is_for_supervisors(client, carol, alice, owen, bob):
    listed = await client.as_(carol).get("/api/v1/shop/levels/assessments")
    assert listed.status_code == 200
    levels = {a["agent_id"]: (a["level"], a["next_level"]) for a in listed.json()}
    assert levels[alice.agent_id] == ("junior", "intermediate")
    assert levels[bob.agent_id] == ("intermediate", "senior")
    assert levels[owen.agent_id] == ("senior", None)
    assert (await client.as_(alice).get("/api/v1/shop/levels/assessments")).status_code == 403


async def test_editing_an_agent_cannot_change_the_level_around_the_promotion_rules(
    client, sessionmaker, carol, bob, owen
):
    async with sessionmaker() as session:
        await session.execute(
            update(Agent)
            .where(Agent.id == bob.agent_id)
            .values(level_since=utcnow() - timedelta(days=400))
        )
        await session.commit()
    path = f"/api/v1/agents/{bob.agent_id}/growth"
    assert (await client.as_(carol).get(path)).json()["assessment"]["months_at_level"] >= 13
    api = client.as_(carol)
    refused = await api.patch(f"/api/v1/agents/{bob.agent_id}", json={"level": "senior"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "level" and f"/api/v1/agents/{bob.agent_id}/level" in error["message"]
    assert (await api.get(path)).json()["assessment"]["level"] == "intermediate"
    # The current level may be sent as it is (a form resending every field).
    same = await api.patch(
        f"/api/v1/agents/{bob.agent_id}", json={"level": "intermediate", "display_name": "小波"}
    )
    assert same.status_code == 200, same.text
    promoted = await api.post(
        f"/api/v1/agents/{bob.agent_id}/level",
        json={"level": "senior", "reason": "双十一期间独立带班，表现突出"},
    )
    assert promoted.status_code == 200, promoted.text
    assessment = (await api.get(path)).json()["assessment"]
    assert (assessment["level"], assessment["months_at_level"]) == ("senior", 0)
    audit = (await client.as_(owen).get("/api/v1/audit", params={"entity": "agent"})).json()
    assert audit["items"][0]["action"] == "agent.promote"
    assert audit["items"][0]["after"]["reason"] == "双十一期间独立带班，表现突出"
