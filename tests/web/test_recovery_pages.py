"""Follow-ups (回访) in the pages: the case page shows when the shopper must be called back
and a form (CSRF) to end the follow-up recovered or not; the list filters the follow-ups
still awaiting an outcome, and the overdue ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from kefu.models.base import utcnow
from kefu.models.cases import Case
from tests.cases.conftest import open_case


async def test_the_case_page_ends_a_follow_up(client, as_, alice):
    case = await open_case(client, alice, type="complaint", title="投诉：客服态度差")
    agent = as_(alice)
    html = (await agent.get(f"/cases/{case['id']}")).text
    assert "回访截止" in html and "已逾期" not in html
    assert 'name="outcome" value="recovered"' in html and "已挽回" in html and "未挽回" in html
    forged = await agent.post(f"/cases/{case['id']}/outcome", data={"outcome": "recovered"})
    assert forged.status_code == 403  # no CSRF token
    ended = await agent.submit(
        f"/cases/{case['id']}/outcome",
        {"outcome": "recovered", "note": "<b>已电话回访</b>，客户接受优惠券"},
    )
    assert ended.status_code == 303
    page = (await agent.get(ended.headers["location"])).text
    assert "回访结果已记录" in page and "完成回访" in page  # the flash, the timeline
    assert "&lt;b&gt;已电话回访&lt;/b&gt;" in page and "<b>已电话回访" not in page
    assert 'name="outcome"' not in page  # ended: no form any more
    again = await agent.submit(f"/cases/{case['id']}/outcome", {"outcome": "not_recovered"})
    assert again.status_code == 409 and "这条回访已经有结果了" in again.text


async def test_other_cases_show_no_follow_up_and_refuse_an_outcome(client, as_, alice):
    case = await open_case(client, alice, type="consultation", title="请问发票怎么开")
    agent = as_(alice)
    assert "回访截止" not in (await agent.get(f"/cases/{case['id']}")).text
    refused = await agent.submit(f"/cases/{case['id']}/outcome", {"outcome": "recovered"})
    assert refused.status_code == 409 and "只有投诉和差评回访工单" in refused.text


async def test_the_list_filters_follow_ups_due_and_overdue(client, as_, alice, sessionmaker):
    late = await open_case(client, alice, type="complaint", title="投诉：发错颜色")
    soon = await open_case(client, alice, type="complaint", title="投诉：物流太慢")
    await open_case(client, alice, type="consultation", title="请问发票怎么开")
    async with sessionmaker() as session:
        await session.execute(
            update(Case)
            .where(Case.id == late["id"])
            .values(follow_up_due_at=utcnow() - timedelta(hours=2))
        )
        await session.commit()
    agent = as_(alice)
    listed = (await agent.get("/cases", params={"follow_up": "due"})).text
    assert "投诉：发错颜色" in listed and "投诉：物流太慢" in listed
    assert "请问发票怎么开" not in listed and "待回访" in listed
    overdue = (await agent.get("/cases", params={"follow_up": "overdue"})).text
    assert "投诉：发错颜色" in overdue and "投诉：物流太慢" not in overdue
    assert "回访截止" in overdue and '<span class="badge badge-red">已逾期</span>' in overdue
    await agent.submit(f"/cases/{soon['id']}/outcome", {"outcome": "recovered"})
    every = (await agent.get("/cases")).text
    assert "已挽回" in every  # the ended follow-up's outcome in its row
    assert "已逾期" in (await agent.get(f"/cases/{late['id']}")).text
    assert "已逾期" not in (await agent.get(f"/cases/{soon['id']}")).text


async def test_the_owner_sets_how_soon_follow_ups_are_due(as_, client, owen, carol):
    owner = as_(owen)
    page = (await owner.get("/settings/cases")).text
    assert "回访时限（小时）" in page and 'name="follow_up_hours"' in page and 'value="24"' in page
    saved = await owner.submit("/settings/cases/follow-up", {"follow_up_hours": "12"})
    assert saved.status_code == 303
    settings = (await client.as_(owen).get("/api/v1/shop/case-settings")).json()
    assert settings["follow_up_hours"] == 12
    zero = await owner.submit("/settings/cases/follow-up", {"follow_up_hours": "0"})
    assert zero.status_code == 422 and "回访时限为 1 到 720 小时" in zero.text
    assert 'value="0"' in zero.text  # kept as typed
    words = await owner.submit("/settings/cases/follow-up", {"follow_up_hours": "半天"})
    assert words.status_code == 422 and "回访时限请填写整数小时" in words.text
    refused = await as_(carol).submit("/settings/cases/follow-up", {"follow_up_hours": "6"})
    assert refused.status_code == 403  # a supervisor sets SLAs, not the shop's settings
    assert (await client.as_(owen).get("/api/v1/shop/case-settings")).json()[
        "follow_up_hours"
    ] == 12
