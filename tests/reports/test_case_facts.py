"""Case facts through the case API: a case resolved, reopened and resolved again is
settled once (with what it paid), and its restarted resolution target counts again."""

from __future__ import annotations

from sqlalchemy import select

from kefu.models.reports import ReportEvent


async def _ok(response):
    assert response.status_code < 300, response.text
    return response.json()


async def test_a_reopened_case_is_settled_once(client, owen, alice, sessionmaker):
    policy = {"case_type": "consultation", "first_response_minutes": 60, "resolve_minutes": 960}
    await _ok(await client.as_(owen).post("/api/v1/sla-policies", json=policy))
    api = client.as_(alice)
    case = await _ok(
        await api.post("/api/v1/cases", json={"type": "consultation", "title": "发票怎么开"})
    )
    path = f"/api/v1/cases/{case['id']}"
    await _ok(await api.post(f"{path}/compensations", json={"kind": "coupon", "amount_cents": 800}))
    for status in ("accepted", "resolved", "reopened", "accepted", "resolved"):
        await _ok(await api.post(f"{path}/transition", json={"to": status}))
    async with sessionmaker() as session:
        facts = (
            await session.execute(
                select(ReportEvent.kind, ReportEvent.value, ReportEvent.agent_id)
                .where(ReportEvent.case_id == case["id"])
                .order_by(ReportEvent.id)
            )
        ).all()
    assert [tuple(f) for f in facts] == [
        ("case_opened", 0, alice.agent_id),
        ("sla_met", 0, alice.agent_id),  # first response (the resolution answers it)
        ("sla_met", 0, alice.agent_id),  # resolution
        ("case_settled", 800, alice.agent_id),  # credited to alice, who nobody assigned
        ("sla_met", 0, alice.agent_id),  # the restarted resolution, met again
    ]
