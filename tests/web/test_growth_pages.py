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
