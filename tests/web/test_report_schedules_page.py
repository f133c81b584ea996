"""Settings → Scheduled reports: owners and supervisors schedule the shop's figures by
e-mail, see refusals next to the field in Chinese, switch a schedule off and on and
delete it; agents do not get in."""

from __future__ import annotations

import re

from sqlalchemy import select

from kefu.models.reports import ReportFrequency, ReportSchedule

PAGE = "/settings/reports"


async def _schedules(sessionmaker, shop_id: int) -> list[ReportSchedule]:
    async with sessionmaker() as s:
        query = select(ReportSchedule).where(ReportSchedule.shop_id == shop_id)
        return list(await s.scalars(query))


async def test_a_supervisor_schedules_a_weekly_report(as_, carol, sessionmaker):
    supervisor = as_(carol)
    page = await supervisor.get(PAGE)
    assert page.status_code == 200 and "还没有定时报表" in page.text
    form = {
        "recipients": "boss@acme.example, ops@acme.example\nBoss@acme.example",
        "frequency": "weekly",
        "weekday": "4",
        "send_hour": "9",
        "attach_leaderboard": "on",
    }
    sent = await supervisor.submit(PAGE, form)
    assert sent.status_code == 303, sent.text
    [stored] = await _schedules(sessionmaker, carol.shop_id)
    assert stored.recipients == ["boss@acme.example", "ops@acme.example"]
    assert (stored.frequency, stored.weekday, stored.send_hour) == (ReportFrequency.WEEKLY, 4, 9)
    assert stored.attach_leaderboard and stored.created_by_agent_id == carol.agent_id
    listed = (await supervisor.get(PAGE)).text
    assert "每周（前 7 天的数据）, 周五, 09:00" in listed
    assert "ops@acme.example" in listed and "附客服数据 (CSV)" in listed


async def test_refusals_are_shown_next_to_the_field_in_chinese(as_, owen, sessionmaker):
    owner = as_(owen)
    base = {"frequency": "daily", "send_hour": "8"}
    bad = await owner.submit(PAGE, base | {"recipients": "boss@acme.example, not-an-address"})
    assert bad.status_code == 422
    assert "邮箱地址格式不正确。" in bad.text
    assert "not-an-address" in bad.text  # what was typed is kept
    many = " ".join(f"p{i}@acme.example" for i in range(21))
    too_many = await owner.submit(PAGE, base | {"recipients": many})
    assert too_many.status_code == 422 and "一份报表最多发给 20 个收件人。" in too_many.text
    assert await _schedules(sessionmaker, owen.shop_id) == []


async def test_owner_switches_off_and_deletes_a_schedule(as_, owen, sessionmaker):
    owner = as_(owen)
    await owner.submit(PAGE, {"recipients": "boss@acme.example", "frequency": "daily"})
    page = (await owner.get(PAGE)).text
    schedule_id = int(re.search(r"/settings/reports/(\d+)/active", page).group(1))
    await owner.submit(f"{PAGE}/{schedule_id}/active", {"active": "false"})
    [stored] = await _schedules(sessionmaker, owen.shop_id)
    assert stored.active is False
    await owner.submit(f"{PAGE}/{schedule_id}/delete")
    assert await _schedules(sessionmaker, owen.shop_id) == []


async def test_agents_and_other_shops_do_not_get_in(as_, alice, owen, mallory, sessionmaker):
    assert (await as_(alice).get(PAGE)).status_code == 403
    await as_(owen).submit(PAGE, {"recipients": "boss@acme.example", "frequency": "daily"})
    [stored] = await _schedules(sessionmaker, owen.shop_id)
    outsider = as_(mallory)
    assert "boss@acme.example" not in (await outsider.get(PAGE)).text
    refused = await outsider.submit(f"{PAGE}/{stored.id}/delete")
    assert refused.status_code == 404
    assert len(await _schedules(sessionmaker, owen.shop_id)) == 1
