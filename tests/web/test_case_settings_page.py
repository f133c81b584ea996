"""Settings → after-sales cases: SLA policies (owners and supervisors), the return window
and the custom-field schemas (owners), refused next to the field in Chinese."""

from __future__ import annotations

import httpx

POLICY = {
    "case_type": "damaged",
    "priority": "",
    "first_response_minutes": "30",
    "resolve_minutes": "600",
    "raise_priority": "on",
    "reassign": "off",
    "reassign_agent_id": "",
}


async def policies(client, persona) -> list[dict]:
    response = await client.as_(persona).get("/api/v1/sla-policies")
    assert response.status_code == 200
    return response.json()


async def test_a_supervisor_adds_edits_and_removes_a_policy(as_, client, carol, bob):
    supervisor = as_(carol)
    page = await supervisor.get("/settings/cases")
    assert page.status_code == 200
    assert "SLA 策略" in page.text and 'href="/settings/cases"' in page.text
    assert "退货期限" not in page.text  # the return window and schemas are the owner's
    added = await supervisor.submit("/settings/cases/sla", POLICY)
    assert added.status_code == 303
    [policy] = await policies(client, carol)
    assert (policy["case_type"], policy["priority"]) == ("damaged", None)
    assert policy["first_response_minutes"] == 30 and policy["reassign"] == "off"

    changed = POLICY | {"resolve_minutes": "900", "reassign": "agent"}
    changed |= {"reassign_agent_id": str(bob.agent_id)}
    changed.pop("raise_priority")  # unticked
    saved = await supervisor.submit(f"/settings/cases/sla/{policy['id']}", changed)
    assert saved.status_code == 303
    [policy] = await policies(client, carol)
    assert policy["resolve_minutes"] == 900 and policy["raise_priority"] is False
    assert (policy["reassign"], policy["reassign_agent_id"]) == ("agent", bob.agent_id)
    page = (await supervisor.get("/settings/cases")).text
    assert f'<option value="{bob.agent_id}" selected>' in page

    switched = changed | {"reassign": "supervisor"}  # the named agent's select still filled
    saved = await supervisor.submit(f"/settings/cases/sla/{policy['id']}", switched)
    assert saved.status_code == 303
    [policy] = await policies(client, carol)
    assert (policy["reassign"], policy["reassign_agent_id"]) == ("supervisor", None)

    removed = await supervisor.submit(f"/settings/cases/sla/{policy['id']}/delete")
    assert removed.status_code == 303 and await policies(client, carol) == []


async def test_a_refused_policy_comes_back_with_the_reason(as_, client, carol):
    supervisor = as_(carol)
    backwards = POLICY | {"first_response_minutes": "900", "resolve_minutes": "600"}
    refused = await supervisor.submit("/settings/cases/sla", backwards)
    assert refused.status_code == 422
    assert 'id="e-new-first_response_minutes"' in refused.text
    assert 'value="900"' in refused.text  # what was typed is kept
    nobody = POLICY | {"reassign": "agent"}
    refused = await supervisor.submit("/settings/cases/sla", nobody)
    assert refused.status_code == 422 and "请选择违约工单转交给哪位客服" in refused.text
    assert (await supervisor.submit("/settings/cases/sla", POLICY)).status_code == 303
    twice = await supervisor.submit("/settings/cases/sla", POLICY)
    assert twice.status_code == 422 and 'id="e-new-case_type"' in twice.text
    assert "该工单类型和优先级已有 SLA 策略。" in twice.text
    assert len(await policies(client, carol)) == 1


async def test_the_owner_sets_the_return_window_and_custom_fields(as_, client, owen):
    owner = as_(owen)
    page = await owner.get("/settings/cases")
    assert "退货期限" in page.text
    assert (
        await owner.submit("/settings/cases/return-window", {"return_window_days": "15"})
    ).status_code == 303
    too_long = await owner.submit("/settings/cases/return-window", {"return_window_days": "400"})
    assert too_long.status_code == 422 and 'value="400"' in too_long.text
    schema = '{"type": "object", "required": ["颜色"], "properties": {"颜色": {"type": "string"}}}'
    saved = await owner.submit("/settings/cases/custom-fields", {"schema_exchange": schema})
    assert saved.status_code == 303
    settings = (await client.as_(owen).get("/api/v1/shop/case-settings")).json()
    assert settings["return_window_days"] == 15
    assert settings["custom_fields"] == {
        "exchange": {
            "type": "object",
            "required": ["颜色"],
            "properties": {"颜色": {"type": "string"}},
        }
    }
    assert "颜色" in (await owner.get("/settings/cases")).text

    broken = await owner.submit(
        "/settings/cases/custom-fields", {"schema_return": '{"type": "object",'}
    )
    assert broken.status_code == 422
    assert 'id="e-schema_return"' in broken.text and "不是 JSON" in broken.text
    assert (
        "{&#34;type&#34;: &#34;object&#34;," in broken.text or '{"type": "object",' in broken.text
    )
    not_object = await owner.submit(
        "/settings/cases/custom-fields", {"schema_return": '{"type": "array"}'}
    )
    assert not_object.status_code == 422 and 'id="e-schema_return"' in not_object.text
    invalid = await owner.submit(
        "/settings/cases/custom-fields",
        {"schema_return": '{"type": "object", "minProperties": -1}'},
    )
    assert invalid.status_code == 422 and "不是有效的 JSON Schema" in invalid.text
    kept = (await client.as_(owen).get("/api/v1/shop/case-settings")).json()
    assert kept["custom_fields"] == settings["custom_fields"]  # nothing half-saved
    cleared = await owner.submit("/settings/cases/custom-fields", {"schema_exchange": ""})
    assert cleared.status_code == 303
    assert (await client.as_(owen).get("/api/v1/shop/case-settings")).json()["custom_fields"] == {}


async def test_who_may_open_and_post(as_, carol, alice, mallory):
    assert (await as_(alice).get("/settings/cases")).status_code == 403
    assert (await as_(alice).submit("/settings/cases/sla", POLICY)).status_code == 403
    window = await as_(carol).submit("/settings/cases/return-window", {"return_window_days": "9"})
    assert window.status_code == 403  # a supervisor sets SLAs, not the shop's settings


async def test_another_shops_policy_is_not_found(as_, client, carol, mallory):
    assert (await as_(carol).submit("/settings/cases/sla", POLICY)).status_code == 303
    [policy] = await policies(client, carol)
    edited = await as_(mallory).submit(f"/settings/cases/sla/{policy['id']}", POLICY)
    assert edited.status_code == 404
    removed = await as_(mallory).submit(f"/settings/cases/sla/{policy['id']}/delete")
    assert removed.status_code == 404
    assert len(await policies(client, carol)) == 1


async def test_a_form_without_the_csrf_token_is_refused(app, carol):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kefu.test") as raw:
        raw.cookies.set("kefu_session", carol.session_token)
        refused = await raw.post("/settings/cases/sla", data=POLICY)
    assert refused.status_code == 403


PROACTIVE = {
    "enabled_stalled": "on",
    "threshold_stalled": "5",
    "notice_stalled": "{客户昵称}您好，订单 {订单号} 的包裹我们正在跟进～",
    "threshold_late": "2",
    "notice_late": "",
    "enabled_out_of_stock": "on",
    "threshold_out_of_stock": "-1",
    "notice_out_of_stock": "缺货了",
    "enabled_price_error": "on",
    "threshold_price_error": "40",
    "notice_price_error": "",
}


async def test_the_owner_sets_the_proactive_rules(as_, client, owen, carol):
    owner = as_(owen)
    page = (await owner.get("/settings/cases")).text
    assert "主动异常" in page and "物流停滞" in page and 'value="3"' in page
    assert (await owner.submit("/settings/cases/proactive", PROACTIVE)).status_code == 303
    rules = (await client.as_(owen).get("/api/v1/shop/case-settings")).json()["proactive"]
    assert rules["stalled"] == {
        "enabled": True,
        "threshold": 5,
        "notice": "{客户昵称}您好，订单 {订单号} 的包裹我们正在跟进～",
    }
    assert rules["late"] == {"enabled": False, "threshold": 2, "notice": ""}  # unticked
    assert rules["out_of_stock"]["threshold"] == -1
    assert rules["price_error"] == {"enabled": True, "threshold": 40, "notice": ""}

    wrong = PROACTIVE | {"threshold_stalled": "99", "notice_late": "{客户名}"}
    refused = await owner.submit("/settings/cases/proactive", wrong)
    assert refused.status_code == 422
    assert "阈值须在 1 到 60 之间" in refused.text and 'value="99"' in refused.text
    typo = await owner.submit("/settings/cases/proactive", PROACTIVE | {"notice_late": "{客户名}"})
    assert typo.status_code == 422 and "未知变量 {客户名}" in typo.text
    assert (await as_(carol).submit("/settings/cases/proactive", PROACTIVE)).status_code == 403


async def test_the_owner_switches_progress_mails_off_and_on(as_, client, owen):
    owner = as_(owen)
    page = await owner.get("/settings/cases")
    assert "通过邮件告知顾客售后单进度" in page.text
    assert 'name="progress_mail" value="on" checked' in page.text
    off = await owner.submit("/settings/cases/progress-mail")  # unticked
    assert off.status_code == 303
    stored = await client.as_(owen).get("/api/v1/shop/case-settings")
    assert stored.json()["progress_mail"] is False
    assert 'name="progress_mail" value="on">' in (await owner.get("/settings/cases")).text
    on = await owner.submit("/settings/cases/progress-mail", {"progress_mail": "on"})
    assert on.status_code == 303
    stored = await client.as_(owen).get("/api/v1/shop/case-settings")
    assert stored.json()["progress_mail"] is True
