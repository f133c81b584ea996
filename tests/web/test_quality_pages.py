"""The quality pages: scorecards listed with the weekly sample, one scorecard with its
reasons, and the dispute, review and decision forms; the scorecard settings."""

from __future__ import annotations

from tests.api.test_scorecards import closed_conversation
from tests.web.conftest import HOSTILE_NOTE


async def _card_id(client, agent) -> int:
    listed = await client.as_(agent).get("/api/v1/quality/scorecards")
    return listed.json()["items"][0]["id"]


async def test_an_agent_disputes_and_a_supervisor_decides(as_, client, sessionmaker, alice, carol):
    await closed_conversation(client, sessionmaker, alice, ["有"])
    card_id = await _card_id(client, alice)
    agent = as_(alice)

    listing = await agent.get("/quality")
    assert listing.status_code == 200
    assert f'href="/quality/scorecards/{card_id}"' in listing.text
    assert "本周抽检" not in listing.text  # the sample is the supervisors'

    page = await agent.get(f"/quality/scorecards/{card_id}")
    assert page.status_code == 200
    assert "首句回复没有问候语" in page.text and "没有邀请顾客评价" in page.text
    assert 'href="/workspace?conversation=' in page.text
    assert f'action="/quality/scorecards/{card_id}/dispute"' in page.text
    assert "/review" not in page.text  # no review form for an agent

    empty = await agent.submit(f"/quality/scorecards/{card_id}/dispute", {"comment": " "})
    assert empty.status_code == 422
    disputed = await agent.submit(
        f"/quality/scorecards/{card_id}/dispute", {"comment": f"顾客下线了 {HOSTILE_NOTE}"}
    )
    assert disputed.status_code == 303
    page = await agent.get(f"/quality/scorecards/{card_id}")
    assert "顾客下线了" in page.text and HOSTILE_NOTE not in page.text  # escaped
    assert "申诉中" in page.text

    supervisor = as_(carol)
    sample = await supervisor.get("/quality")
    assert "本周抽检" in sample.text and f"#{card_id}" in sample.text
    page = await supervisor.get(f"/quality/scorecards/{card_id}")
    assert f'action="/quality/scorecards/{card_id}/decision"' in page.text
    silent = await supervisor.submit(
        f"/quality/scorecards/{card_id}/decision", {"decision": "uphold"}
    )
    assert silent.status_code == 422
    assert "请写明理由" in silent.text
    decided = await supervisor.submit(
        f"/quality/scorecards/{card_id}/decision",
        {"decision": "amend", "result_closing": "na", "comment": "顾客已离开，结束语不扣分"},
    )
    assert decided.status_code == 303
    card = (await client.as_(carol).get(f"/api/v1/quality/scorecards/{card_id}")).json()
    assert (card["status"], card["decision"]) == ("decided", "amend")
    assert {c["key"]: c["result"] for c in card["criteria"]}["closing"] == "na"


async def test_a_supervisor_reviews_a_criterion(as_, client, sessionmaker, alice, carol):
    await closed_conversation(client, sessionmaker, alice, ["有"])
    card_id = await _card_id(client, alice)
    reviewed = await as_(carol).submit(
        f"/quality/scorecards/{card_id}/review",
        {"result_greeting": "pass", "comment_greeting": "顾客只问了库存"},
    )
    assert reviewed.status_code == 303
    page = await as_(carol).get(f"/quality/scorecards/{card_id}")
    assert "顾客只问了库存" in page.text and "已复核" in page.text


async def test_an_agent_cannot_open_another_agents_scorecard(
    as_, client, sessionmaker, alice, bob, mallory
):
    await closed_conversation(client, sessionmaker, bob, ["您好"])
    card_id = await _card_id(client, bob)
    assert (await as_(alice).get(f"/quality/scorecards/{card_id}")).status_code == 403
    assert (await as_(mallory).get(f"/quality/scorecards/{card_id}")).status_code == 404
    forged = await as_(alice).submit(f"/quality/scorecards/{card_id}/dispute", {"comment": "不服"})
    assert forged.status_code == 403


async def test_owner_sets_scorecard_criteria(as_, client, owen):
    owner = as_(owen)
    page = await owner.get("/settings/quality")
    assert "评分卡标准" in page.text and 'name="limit_response_time" value="180"' in page.text
    form = {
        "blocking": ["quarrel"],
        "weight_greeting": "20",
        "enabled_greeting": "on",
        "limit_greeting": "15",
        "weight_response_time": "30",
        "enabled_response_time": "on",
        "limit_response_time": "120",
        "weight_fire": "20",
        "enabled_fire": "on",
        "weight_verification": "20",
        "enabled_verification": "on",
        "weight_closing": "10",
        "enabled_closing": "on",
        "weight_rating_ask": "10",
        "finding_penalty": "3",
    }
    assert (await owner.submit("/settings/quality", form)).status_code == 303
    settings = (await client.as_(owen).get("/api/v1/shop/quality")).json()
    assert settings["blocking"] == ["quarrel"]
    criteria = settings["scorecard"]["criteria"]
    assert criteria["response_time"] == {"weight": 30, "enabled": True, "limit_seconds": 120}
    assert criteria["rating_ask"]["enabled"] is False
    assert settings["scorecard"]["finding_penalty"] == 3
