"""Case, compensation and SLA refusals read in Chinese when the request asks for it
(the workspace sends the user's language as Accept-Language); the code stays English."""

from __future__ import annotations

from tests.cases.conftest import ok, open_case

ZH = {"Accept-Language": "zh-CN"}


async def test_missing_evidence_and_an_illegal_move_in_chinese(client, alice, order):
    api = client.as_(alice)
    damaged = {"type": "damaged", "title": "杯子碎了", "order_line_id": order.mug_line_id}
    refused = await api.post("/api/v1/cases", json=damaged, headers=ZH)
    assert refused.status_code == 422
    assert refused.json()["error"] == {
        "code": "invalid",
        "message": "这类工单至少需要一张照片。",
        "field": "evidence.photo_upload_ids",
    }
    case = await open_case(client, alice, type="complaint", title="投诉发货太慢")
    moved = await api.post(
        f"/api/v1/cases/{case['id']}/transition", json={"to": "closed"}, headers=ZH
    )
    assert moved.status_code == 409 and moved.json()["error"]["code"] == "illegal_transition"
    assert (
        moved.json()["error"]["message"]
        == "工单不能从 new 变为 closed（当前状态可变为：accepted）。"
    )


async def test_a_refund_above_what_is_left_in_chinese(client, owen, order):
    case = await open_case(
        client, owen, type="refund_only", title="仅退款", order_line_id=order.mug_line_id
    )
    refund = {"kind": "refund", "amount_cents": 9000}
    refused = await client.as_(owen).post(
        f"/api/v1/cases/{case['id']}/compensations", json=refund, headers=ZH
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == "退款 90.00 CNY 超过了剩余可退金额 78.00。"


async def test_sla_policy_refusals_in_chinese(client, carol):
    api = client.as_(carol)
    policy = {"case_type": "return", "first_response_minutes": 600, "resolve_minutes": 60}
    refused = await api.post("/api/v1/sla-policies", json=policy, headers=ZH)
    assert refused.json()["error"]["message"] == "首次响应时限不能晚于解决时限。"
    await ok(await api.post("/api/v1/sla-policies", json=policy | {"resolve_minutes": 6000}))
    again = await api.post(
        "/api/v1/sla-policies", json=policy | {"resolve_minutes": 900}, headers=ZH
    )
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "该工单类型和优先级已有 SLA 策略。"
