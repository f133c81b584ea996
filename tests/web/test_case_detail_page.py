"""One case's page (/cases/{id}): fields, evidence and timeline as text, only the legal
moves offered, a refused move shown kindly, comments and compensations with approval."""

from __future__ import annotations

from tests.cases.conftest import make_order, open_case
from tests.web.test_case_pages import HOSTILE_TITLE


async def test_the_page_shows_the_case_and_offers_only_legal_moves(client, as_, alice):
    case = await open_case(
        client,
        alice,
        type="complaint",
        title=HOSTILE_TITLE,
        description="<img src=x onerror=alert(1)>",
    )
    page = await as_(alice).get(f"/cases/{case['id']}")
    assert page.status_code == 200
    html = page.text
    assert HOSTILE_TITLE not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "创建了工单" in html and "Alice" in html  # the timeline: who did what
    assert 'name="to" value="accepted"' in html  # from new: only accepted
    assert 'name="to" value="resolved"' not in html and 'name="to" value="closed"' not in html
    assert "首次响应截止" in html


async def test_a_move_changes_the_status_and_a_stale_one_is_explained(client, as_, alice):
    case = await open_case(client, alice, type="complaint", title="客服回复太慢")
    agent = as_(alice)
    moved = await agent.submit(
        f"/cases/{case['id']}/transition", {"to": "accepted", "note": "已核实"}
    )
    assert moved.status_code == 303
    page = (await agent.get(moved.headers["location"])).text
    assert "工单状态已变更" in page and "已核实" in page
    assert 'name="to" value="investigating"' in page
    stale = await agent.submit(f"/cases/{case['id']}/transition", {"to": "accepted"})
    assert stale.status_code == 409
    assert "工单不能从 accepted 变为 accepted" in stale.text and "客服回复太慢" in stale.text


async def test_internal_comments_and_replies_are_told_apart(client, as_, alice):
    case = await open_case(client, alice, type="consultation", title="请问退货地址是哪里？")
    agent = as_(alice)
    await agent.submit(f"/cases/{case['id']}/comments", {"body": "仓库地址待确认"})
    await agent.submit(
        f"/cases/{case['id']}/comments", {"body": "亲，退货地址已发您～", "public": "on"}
    )
    html = (await agent.get(f"/cases/{case['id']}")).text
    assert "内部备注" in html and "仓库地址待确认" in html
    assert "回复顾客" in html and "亲，退货地址已发您～" in html
    empty = await agent.submit(f"/cases/{case['id']}/comments", {"body": "  "})
    assert empty.status_code == 422


async def test_a_refund_above_the_limit_waits_for_a_supervisor(client, as_, alice, carol, owen):
    order = await make_order(client, owen)
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    offered = await as_(alice).submit(
        f"/cases/{case['id']}/compensations",
        {"kind": "refund", "amount": "39.00", "note": "退一件"},
    )
    assert offered.status_code == 303
    html = (await as_(alice).get(f"/cases/{case['id']}")).text
    assert "¥39.00" in html and "待审批" in html and 'value="approve"' not in html
    too_much = await as_(alice).submit(
        f"/cases/{case['id']}/compensations", {"kind": "refund", "amount": "999"}
    )
    assert too_much.status_code == 409 and "退款" in too_much.text
    bad = await as_(alice).submit(
        f"/cases/{case['id']}/compensations", {"kind": "coupon", "amount": "五块"}
    )
    assert bad.status_code == 422 and "请按元填写金额" in bad.text
    supervisor = as_(carol)
    pending = (await supervisor.get(f"/cases/{case['id']}")).text
    compensation_id = pending.split("/compensations/")[1].split("/decision")[0]
    decided = await supervisor.submit(
        f"/cases/{case['id']}/compensations/{compensation_id}/decision", {"decision": "approve"}
    )
    assert decided.status_code == 303
    assert "已批准" in (await supervisor.get(f"/cases/{case['id']}")).text


async def test_another_shop_gets_not_found(client, as_, alice, mallory):
    case = await open_case(client, alice, type="complaint", title="客服回复太慢")
    intruder = as_(mallory)
    assert (await intruder.get(f"/cases/{case['id']}")).status_code == 404
    moved = await intruder.submit(f"/cases/{case['id']}/transition", {"to": "accepted"})
    assert moved.status_code == 404
    commented = await intruder.submit(f"/cases/{case['id']}/comments", {"body": "看看"})
    assert commented.status_code == 404
    assert (await client.as_(alice).get(f"/api/v1/cases/{case['id']}")).json()["status"] == "new"
    assert (await intruder.get("/cases/99999999999999999999")).status_code in (404, 422)


async def test_priority_and_compensation_entries_read_in_words(client, as_, alice, owen):
    order = await make_order(client, owen)
    case = await open_case(client, alice, type="return", order_line_id=order.mug_line_id)
    body = {"case_ids": [case["id"]], "action": "priority", "priority": "urgent"}
    await client.as_(alice).post("/api/v1/cases/bulk", json=body)
    await client.as_(alice).post(
        f"/api/v1/cases/{case['id']}/compensations", json={"kind": "coupon", "amount_cents": 500}
    )
    html = (await as_(alice).get(f"/cases/{case['id']}")).text
    assert "修改了优先级" in html and "普通 → 紧急" in html
    assert "优惠券 · ¥5.00" in html


async def test_odd_form_values_never_break_the_pages(client, as_, alice):
    case = await open_case(client, alice, type="complaint", title="客服回复太慢")
    agent = as_(alice)
    huge = "9" * 30
    for path, data in [
        ("/cases/bulk", {"case_ids": [str(case["id"])], "action": "assign", "agent_id": huge}),
        ("/cases/bulk", {"case_ids": [huge], "action": "priority", "priority": "high"}),
        ("/cases/bulk", {"case_ids": [str(case["id"])], "action": "transition", "to": "迷路"}),
        (f"/cases/{case['id']}/transition", {"to": ""}),
        (f"/cases/{case['id']}/compensations", {"kind": "金条", "amount": "1"}),
        (f"/cases/{case['id']}/compensations/{huge}/decision", {"decision": "approve"}),
        ("/cases/views", {"name": "筛选", "status": "不存在"}),
    ]:
        response = await agent.submit(path, data)
        assert response.status_code < 500, (path, data, response.text[-500:])
