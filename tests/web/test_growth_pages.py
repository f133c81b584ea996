"""The growth pages: a supervisor sees every agent's level and readiness, opens one agent's
growth, records a training and promotes with a reason; an agent sees only her own page.
Chinese first."""

from __future__ import annotations

import re

from kefu.models.reports import ReportKind as K
from tests.reports.test_growth import record_agent_facts


async def test_a_supervisor_sees_the_team_and_one_agents_growth(
    as_, sessionmaker, carol, alice, bob
):
    qa = [(K.QA_REPLY, 0)] * 9 + [(K.QA_REPLY, 1), (K.QA_FLAGGED, 0)]
    await record_agent_facts(sessionmaker, alice, qa, days_ago=3)  # 10 inspected, 1 flagged: 90
    qa = [(K.QA_REPLY, 0)] * 2 + [(K.QA_REPLY, 1), (K.QA_FLAGGED, 0)] * 2
    await record_agent_facts(sessionmaker, bob, qa, days_ago=3)  # 4 inspected, 2 flagged: 50
    supervisor = as_(carol)
    team = await supervisor.get("/agents/growth")
    assert team.status_code == 200
    assert "客服成长" in team.text and "Alice" in team.text and "暂未符合" in team.text

    page = await supervisor.get(f"/agents/{alice.agent_id}/growth")
    assert page.status_code == 200
    html = page.text
    assert "Alice 的成长" in html and "等级考核" in html and "暂未符合晋升条件" in html
    assert "质检得分" in html and "90.0" in html
    assert "优势" in html and "待提升" in html
    assert 'id="growth-config"' in html and "/static/js/growth.js" in html

    recorded = await supervisor.submit(
        f"/agents/{alice.agent_id}/growth/trainings",
        {
            "title": "差评处理话术培训",
            "kind": "advanced",
            "held_on": "2026-11-02",
            "hours": "1.5",
        },
    )
    assert recorded.status_code == 303
    shown = (await supervisor.get(f"/agents/{alice.agent_id}/growth")).text
    assert "差评处理话术培训" in shown and "进阶培训" in shown and "1.5" in shown
    delete = re.search(r'action="(/agents/\d+/growth/trainings/\d+/delete)"', shown)
    assert delete, "each training row has a delete button for supervisors"
    deleted = await supervisor.submit(delete.group(1))
    assert deleted.status_code == 303
    shown = (await supervisor.get(f"/agents/{alice.agent_id}/growth")).text
    assert "培训记录已删除" in shown and "差评处理话术培训" not in shown

    bad = await supervisor.submit(
        f"/agents/{alice.agent_id}/growth/trainings",
        {"title": "复盘", "kind": "exam", "held_on": "2026-11-02", "hours": "-2"},
    )
    assert bad.status_code == 422 and "请输入大于 0" in bad.text

    no_reason = await supervisor.submit(
        f"/agents/{alice.agent_id}/growth/level", {"level": "intermediate", "reason": ""}
    )
    assert no_reason.status_code == 422 and "请填写原因" in no_reason.text
    promoted = await supervisor.submit(
        f"/agents/{alice.agent_id}/growth/level",
        {"level": "intermediate", "reason": "带教新人表现突出"},
    )
    assert promoted.status_code == 303
    assert "等级已调整" in (await supervisor.get(promoted.headers["location"])).text


async def test_an_agent_sees_her_own_growth_only(as_, alice, bob, mallory):
    agent = as_(alice)
    own = await agent.get(f"/agents/{alice.agent_id}/growth")
    assert own.status_code == 200 and "我的成长" in own.text
    assert 'id="level-form"' not in own.text and 'id="training-form"' not in own.text
    assert (await agent.get(f"/agents/{bob.agent_id}/growth")).status_code == 403
    assert (await agent.get(f"/agents/{mallory.agent_id}/growth")).status_code == 404
    assert (await agent.get("/agents/growth")).status_code == 403
    refused = await agent.submit(
        f"/agents/{alice.agent_id}/growth/trainings",
        {"title": "自学", "kind": "advanced", "held_on": "2026-11-02", "hours": "1"},
    )
    assert refused.status_code == 403


async def test_the_growth_page_in_english(as_, alice):
    page = await as_(alice).get(f"/agents/{alice.agent_id}/growth", params={"lang": "en"})
    assert page.status_code == 200
    for text in ("Growth of Alice", "Level assessment", "Not yet eligible", "Training records"):
        assert text in page.text, text
    assert "等级考核" not in page.text


def _form_of(html: str) -> dict[str, str]:
    """The criteria form's fields with the values it shows."""
    found = re.findall(
        r'name="((?:intermediate|senior)\.[\w.]+)" (?:type="text" )?value="([^"]*)"', html
    )
    return dict(found)


async def test_a_supervisor_sets_the_promotion_criteria_in_percent(as_, client, carol, alice):
    supervisor = as_(carol)
    page = await supervisor.get("/settings/levels")
    assert page.status_code == 200 and "晋升为中级" in page.text and "晋升为高级" in page.text
    form = _form_of(page.text)
    assert form["intermediate.min_months"] == "6"
    assert form["intermediate.kpis.fast_response_rate"] == "90"  # 0.9 shown in percent
    assert form["intermediate.kpis.recovery_rate"] == ""  # not required by default
    form |= {
        "intermediate.min_months": "3",
        "intermediate.kpis.csat": "80",
        "intermediate.kpis.qa_score": "",
    }
    saved = await supervisor.submit("/settings/levels", form)
    assert saved.status_code == 303, saved.text
    levels = (await client.as_(alice).get("/api/v1/shop/levels")).json()
    assert levels["intermediate"]["min_months"] == 3
    assert levels["intermediate"]["kpis"]["csat"] == 0.8
    assert "qa_score" not in levels["intermediate"]["kpis"]
    assert levels["senior"]["min_months"] == 12 and levels["senior"]["kpis"]["qa_score"] == 95

    too_high = await supervisor.submit("/settings/levels", form | {"senior.kpis.csat": "150"})
    assert too_high.status_code == 422 and "百分比和分数为 0–100" in too_high.text
    not_a_number = await supervisor.submit("/settings/levels", form | {"senior.min_months": "半年"})
    assert not_a_number.status_code == 422 and "请输入数字" in not_a_number.text
    assert (await as_(alice).get("/settings/levels")).status_code == 403
