"""The case list page (/cases): filters, the SLA countdown in both languages, paging,
escaping of what agents and shoppers typed, the CSV export, other shops kept out."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import update

from kefu.models import Case
from kefu.models.base import utcnow
from tests.cases.conftest import make_order, open_case

HOSTILE_TITLE = "<script>alert('工单')</script>"


async def _due_in(session, case_id: int, minutes: int) -> None:
    """The case's first reply falls due ``minutes`` from now (negative: overdue)."""
    due = utcnow() + timedelta(minutes=minutes)
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(first_response_due_at=due, first_response_warn_at=due - timedelta(minutes=5))
    )
    await session.commit()


async def test_agents_find_the_case_list_in_the_menu(as_, alice):
    home = await as_(alice).get("/")
    assert 'href="/cases"' in home.text and "售后工单" in home.text


async def test_the_list_shows_cases_with_their_sla_countdown(client, as_, alice, session):
    soon = await open_case(client, alice, type="complaint", title="顾客投诉客服态度差")
    late = await open_case(client, alice, type="consultation", title="请问退货地址是哪里？")
    await _due_in(session, soon["id"], 35)
    await _due_in(session, late["id"], -80)
    page = await as_(alice).get("/cases")
    assert page.status_code == 200
    html = page.text
    assert "还剩 35 分钟" in html and "超时 +1 小时 20 分" in html
    assert html.index("请问退货地址是哪里？") < html.index("顾客投诉客服态度差")  # overdue first
    assert "投诉" in html and "新建" in html and "待分配" in html
    english = await as_(alice).get("/cases?lang=en")
    assert "35 min left" in english.text and "overdue +1 h 20 min" in english.text


async def test_filters_narrow_the_list(client, as_, alice, carol, session):
    mine = await open_case(client, alice, type="complaint", title="快递员态度恶劣")
    await open_case(client, alice, type="consultation", title="发票怎么开", priority="high")
    assign = {"agent_id": alice.agent_id}
    await client.as_(carol).post(f"/api/v1/cases/{mine['id']}/assign", json=assign)
    await _due_in(session, mine["id"], -10)
    agent = as_(alice)
    only_mine = (await agent.get("/cases?assignee=mine")).text
    assert "快递员态度恶劣" in only_mine and "发票怎么开" not in only_mine
    unassigned = (await agent.get("/cases?assignee=unassigned")).text
    assert "发票怎么开" in unassigned and "快递员态度恶劣" not in unassigned
    high = (await agent.get("/cases?priority=high&type=consultation")).text
    assert "发票怎么开" in high and "快递员态度恶劣" not in high
    breached = (await agent.get("/cases?sla=breached")).text
    assert "快递员态度恶劣" in breached and "发票怎么开" not in breached
    nothing = (await agent.get("/cases?status=closed")).text
    assert "没有符合条件的工单" in nothing
    odd = await agent.get("/cases?status=%E5%85%B3%E9%97%AD&sort=sideways&assignee=99")
    assert odd.status_code == 200 and "快递员态度恶劣" in odd.text  # ignored, like elsewhere


async def test_pages_of_25_with_a_next_link(client, as_, alice):
    for n in range(26):
        await open_case(client, alice, type="consultation", title=f"售后咨询第{n}号")
    first = await as_(alice).get("/cases?sort=newest")
    assert "售后咨询第25号" in first.text and "售后咨询第0号" not in first.text
    assert "下一页" in first.text
    cursor = first.text.split("cursor=")[1].split('"')[0].split("&")[0]
    second = await as_(alice).get(f"/cases?sort=newest&cursor={cursor}")
    assert "售后咨询第0号" in second.text and "售后咨询第25号" not in second.text


async def test_htmx_filtering_answers_the_rows_only(client, as_, alice):
    await open_case(client, alice, type="complaint", title="包装破损")
    response = await as_(alice).get("/cases?type=complaint", headers={"HX-Request": "true"})
    assert "包装破损" in response.text and "<html" not in response.text


async def test_a_hostile_title_is_shown_as_text(client, as_, alice):
    await open_case(client, alice, type="complaint", title=HOSTILE_TITLE)
    html = (await as_(alice).get("/cases")).text
    assert HOSTILE_TITLE not in html
    assert "&lt;script&gt;alert(&#39;工单&#39;)&lt;/script&gt;" in html


async def test_the_export_is_the_filtered_list_for_excel(client, as_, alice, owen):
    order = await make_order(client, owen)
    await open_case(
        client, alice, type="return", title="尺码不合适想退货", order_line_id=order.mug_line_id
    )
    await open_case(client, alice, type="complaint", title='=HYPERLINK("x")')
    response = await as_(alice).get("/cases/export.csv?type=return")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["title"], r["sku"], r["order_external_id"]) for r in rows] == [
        ("尺码不合适想退货", "MUG-350", "E2026110800123")
    ]
    everything = (await as_(alice).get("/cases/export.csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in everything  # a formula is kept as text


async def test_another_shop_sees_none_of_them(client, as_, alice, mallory):
    await open_case(client, alice, type="complaint", title="顾客投诉客服态度差")
    intruder = as_(mallory)
    assert "顾客投诉客服态度差" not in (await intruder.get("/cases")).text
    exported = (await intruder.get("/cases/export.csv")).content.decode("utf-8-sig")
    assert "顾客投诉客服态度差" not in exported


async def test_signed_out_visitors_are_sent_to_sign_in(browser):
    response = await browser.get("/cases")
    assert response.status_code in (302, 303, 401)


# ---- saved views ---------------------------------------------------------------------------


async def test_an_agent_saves_the_current_filters_and_applies_them(client, as_, alice):
    await open_case(client, alice, type="complaint", title="快递员态度恶劣")
    await open_case(client, alice, type="consultation", title="发票怎么开")
    agent = as_(alice)
    listed = await agent.get("/cases?type=complaint&sort=newest")
    assert 'form="save-view" name="type" value="complaint"' in listed.text
    saved = await agent.submit(
        "/cases/views", {"name": "<b>投诉</b>", "type": "complaint", "sort": "newest"}
    )
    assert saved.status_code == 303
    page = await agent.get(saved.headers["location"])
    assert "视图已保存" in page.text
    assert "&lt;b&gt;投诉&lt;/b&gt;" in page.text and "<b>投诉</b>" not in page.text
    assert 'href="/cases?type=complaint&amp;sort=newest"' in page.text  # applies the view
    applied = (await agent.get("/cases?sort=newest&type=complaint")).text
    assert "快递员态度恶劣" in applied and "发票怎么开" not in applied


async def test_a_nameless_view_is_refused_on_the_page(as_, alice):
    response = await as_(alice).submit("/cases/views", {"name": " ", "type": "damaged"})
    assert response.status_code == 422
    assert 'class="alert alert-error"' in response.text
    assert "已保存的视图" in response.text  # the list again, with its filters kept
    assert 'form="save-view" name="type" value="damaged"' in response.text


async def test_the_filter_answer_updates_export_and_view_filters(as_, alice):
    response = await as_(alice).get("/cases?sla=breached", headers={"HX-Request": "true"})
    assert 'id="list-actions" class="form-actions" hx-swap-oob="true"' in response.text
    assert "/cases/export.csv?sla=breached" in response.text


async def test_a_view_is_deleted_by_its_owner_only(client, as_, alice, carol):
    view = (
        await client.as_(carol).post(
            "/api/v1/case-views", json={"name": "全店破损件", "filters": {"type": "damaged"}}
        )
    ).json()
    assert "全店破损件" not in (await as_(alice).get("/cases")).text  # private to carol
    refused = await as_(alice).submit(f"/cases/views/{view['id']}/delete")
    assert refused.status_code == 404
    deleted = await as_(carol).submit(f"/cases/views/{view['id']}/delete")
    assert deleted.status_code == 303
    assert "全店破损件" not in (await as_(carol).get("/cases")).text


# ---- bulk changes --------------------------------------------------------------------------


async def test_ticked_cases_change_together_and_refusals_are_named(client, as_, alice, carol):
    fresh = await open_case(client, alice, type="complaint", title="快递员态度恶劣")
    accepted = await open_case(client, alice, type="complaint", title="客服回复太慢")
    path = f"/api/v1/cases/{accepted['id']}/transition"
    await client.as_(alice).post(path, json={"to": "accepted"})
    supervisor = as_(carol)
    listed = (await supervisor.get("/cases")).text
    assert f'name="case_ids" value="{fresh["id"]}" form="bulk"' in listed
    moved = await supervisor.submit(
        "/cases/bulk",
        {
            "case_ids": [str(fresh["id"]), str(accepted["id"])],
            "action": "transition",
            "to": "investigating",
            "type": "complaint",
        },
    )
    assert moved.status_code == 200
    assert "已变更工单：1 个" in moved.text and "未变更：1 个" in moved.text
    assert (
        f"工单 #{fresh['number']}" in moved.text
        and "工单不能从 new 变为 investigating" in moved.text
    )
    assert 'form="bulk" name="type" value="complaint"' in moved.text  # the filters kept
    assigned = await supervisor.submit(
        "/cases/bulk",
        {"case_ids": [str(fresh["id"])], "action": "assign", "agent_id": str(alice.agent_id)},
    )
    assert "已变更工单：1 个" in assigned.text
    mine = (await as_(alice).get("/cases?assignee=mine")).text
    assert "快递员态度恶劣" in mine and "客服回复太慢" not in mine


async def test_a_bulk_change_without_ticked_cases_is_refused_kindly(as_, carol):
    response = await as_(carol).submit("/cases/bulk", {"action": "priority", "priority": "high"})
    assert response.status_code == 422 and "请至少勾选一个工单" in response.text


async def test_another_shops_cases_cannot_be_changed_from_the_page(client, as_, alice, mallory):
    case = await open_case(client, alice, type="complaint", title="快递员态度恶劣")
    response = await as_(mallory).submit(
        "/cases/bulk", {"case_ids": [str(case["id"])], "action": "priority", "priority": "low"}
    )
    assert response.status_code == 200 and "快递员态度恶劣" not in response.text
    assert "未变更：1 个" in response.text
    detail = (await client.as_(alice).get(f"/api/v1/cases/{case['id']}")).json()
    assert detail["priority"] == "normal"


async def test_the_workspace_offers_to_open_a_case_from_the_conversation(as_, alice):
    html = (await as_(alice).get("/workspace")).text
    assert 'id="dlg-case"' in html and 'data-action="case"' in html
    assert '<option value="damaged">破损</option>' in html
    assert 'id="k-line" name="order_line_id"' in html  # filled with the customer's lines
    config = json.loads(html.split('id="ws-config">')[1].split("</script>")[0])
    assert config["strings"]["open_case"] == "开售后工单"
    assert config["strings"]["case_opened"] == "已创建工单 #%(number)s"


async def test_case_forms_without_the_csrf_token_are_refused(client, as_, alice):
    case = await open_case(client, alice, type="complaint", title="客服回复太慢")
    agent = as_(alice)
    for path, data in [
        ("/cases/bulk", {"case_ids": str(case["id"]), "action": "priority", "priority": "low"}),
        ("/cases/views", {"name": "伪造"}),
        (f"/cases/{case['id']}/transition", {"to": "accepted"}),
    ]:
        response = await agent.post(path, data=data)
        assert response.status_code == 403, path
    detail = (await client.as_(alice).get(f"/api/v1/cases/{case['id']}")).json()
    assert (detail["priority"], detail["status"]) == ("normal", "new")
