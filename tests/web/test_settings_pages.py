"""Settings pages: who may open which section, and the forms doing their job."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kefu.models import Agent, Team
from tests.factories import team_renames_around_1_november
from tests.web.conftest import csrf_of

OWNER_ONLY = (
    "/settings/shop",
    "/settings/hours",
    "/settings/widget",
    "/settings/quality",
    "/settings/api-keys",
    "/settings/webhooks",
    "/settings/audit",
)
MANAGERS = ("/settings/agents", "/settings/agents/new", "/settings/teams")

NEW_AGENT = {
    "email": "li.na@acme.example",
    "password": "欢迎-2026-kefu",
    "display_name": "李娜",
    "role": "agent",
    "level": "intermediate",
    "skills": ["presale", "aftersale"],
    "max_concurrent_chats": "8",
}


@pytest.mark.parametrize("path", ("/settings", *OWNER_ONLY, *MANAGERS))
async def test_agents_get_403_on_every_settings_page(as_, alice, path):
    response = await as_(alice).get(path)
    assert response.status_code == 403
    assert "你没有访问此页面的权限" in response.text


async def test_agents_do_not_see_the_settings_menu(as_, alice, owen):
    assert 'href="/settings"' not in (await as_(alice).get("/")).text
    assert 'href="/settings"' in (await as_(owen).get("/")).text


async def test_supervisors_manage_agents_and_teams_only(as_, carol):
    supervisor = as_(carol)
    assert (await supervisor.get("/settings")).headers["location"] == "/settings/agents"
    for path in MANAGERS:
        assert (await supervisor.get(path)).status_code == 200, path
    for path in OWNER_ONLY:
        assert (await supervisor.get(path)).status_code == 403, path
    tabs = (await supervisor.get("/settings/agents")).text
    assert "团队" in tabs and "API 密钥" not in tabs


async def test_owner_adds_an_agent_who_appears_in_list_and_audit(as_, owen, browser):
    owner = as_(owen)
    response = await owner.submit("/settings/agents/new", NEW_AGENT)
    assert response.status_code == 303
    listing = (await owner.get("/settings/agents")).text
    assert "客服已添加" in listing
    assert "李娜" in listing and "li.na@acme.example" in listing and "售后" in listing
    audit = (await owner.get("/settings/audit?action=agent.create")).text
    assert "agent.create" in audit and "李娜" in audit
    first_login = await browser.sign_in("li.na@acme.example", "欢迎-2026-kefu")
    assert first_login.headers["location"] == "/account/password"


async def test_a_new_agent_replaces_the_password_the_admin_typed(as_, owen, browser):
    await as_(owen).submit("/settings/agents/new", NEW_AGENT)
    await browser.sign_in("li.na@acme.example", "欢迎-2026-kefu")
    held = await browser.get("/orders")
    assert held.headers["location"] == "/account/password"
    form = (await browser.get("/account/password")).text
    changed = await browser.post(
        "/account/password",
        data={
            "csrf_token": csrf_of(form),
            "current_password": "欢迎-2026-kefu",
            "new_password": "只有我知道-88",
            "confirm_password": "只有我知道-88",
        },
    )
    assert changed.headers["location"] == "/"
    assert (await browser.get("/orders")).status_code == 200


async def test_refused_agent_form_shows_the_error_next_to_the_field(as_, owen):
    owner = as_(owen)
    response = await owner.submit("/settings/agents/new", NEW_AGENT | {"email": "not-an-email"})
    assert response.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-email"' in response.text
    assert 'value="李娜"' in response.text  # what was typed is kept
    chats = await owner.submit("/settings/agents/new", NEW_AGENT | {"max_concurrent_chats": "x"})
    assert chats.status_code == 422 and "请输入整数" in chats.text


async def test_editing_an_agent_changes_skills_and_teams_not_the_level(as_, owen, alice, session):
    team = Team(shop_id=owen.shop_id, name="售后组")
    session.add(team)
    await session.commit()
    owner = as_(owen)
    form = (await owner.get(f"/settings/agents/{alice.agent_id}")).text
    assert 'value="Alice"' in form
    assert 'name="level"' not in form and 'href="/agents/growth"' in form  # promotions there
    changes = {
        "display_name": "Alice 王",
        "role": "agent",
        "level": "senior",
        "skills": ["complaint"],
        "max_concurrent_chats": "3",
        "team_ids": [str(team.id)],
    }
    assert (await owner.submit(f"/settings/agents/{alice.agent_id}", changes)).status_code == 303
    row = (await owner.get("/settings/agents")).text
    assert "Alice 王" in row and "投诉" in row and "售后组" in row
    level = await session.scalar(select(Agent.level).where(Agent.id == alice.agent_id))
    assert level != "senior"  # a level sent with the form is not applied


async def test_deactivate_and_reactivate_an_agent(as_, owen, alice):
    owner = as_(owen)
    response = await owner.submit(f"/settings/agents/{alice.agent_id}/deactivate")
    assert response.status_code == 303
    assert "已停用" in (await owner.get("/settings/agents")).text
    assert (await as_(alice).get("/")).status_code == 403
    await owner.submit(f"/settings/agents/{alice.agent_id}/reactivate")
    assert (await as_(alice).get("/")).status_code == 200


async def test_reset_password_shows_the_temporary_password_once(as_, owen, bob, browser):
    owner = as_(owen)
    response = await owner.submit(f"/settings/agents/{bob.agent_id}/reset-password")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    temporary = re.search(r'<code id="temp-password">([^<]+)</code>', response.text).group(1)
    assert temporary not in (await owner.get(f"/settings/agents/{bob.agent_id}")).text
    signed_in = await browser.sign_in(bob.email, temporary)
    assert signed_in.headers["location"] == "/account/password"


async def test_supervisor_cannot_touch_an_owner(as_, carol, owen):
    response = await as_(carol).submit(f"/settings/agents/{owen.agent_id}/deactivate")
    assert response.status_code == 403


async def test_mallory_cannot_open_or_change_acme_agents(as_, mallory, alice):
    intruder = as_(mallory)
    assert (await intruder.get(f"/settings/agents/{alice.agent_id}")).status_code == 404
    response = await intruder.submit(f"/settings/agents/{alice.agent_id}/deactivate")
    assert response.status_code == 404


async def test_supervisor_creates_edits_and_deletes_a_team(as_, carol, alice, bob):
    supervisor = as_(carol)
    created = await supervisor.submit(
        "/settings/teams",
        {"name": "售前组", "skill": "presale", "agent_ids": [str(alice.agent_id)]},
    )
    assert created.status_code == 303
    page = (await supervisor.get("/settings/teams")).text
    assert "售前组" in page and "Alice" in page
    team_id = int(re.search(r'href="/settings/teams/(\d+)"', page).group(1))
    await supervisor.submit(
        f"/settings/teams/{team_id}",
        {"name": "售前一组", "skill": "presale", "agent_ids": [str(bob.agent_id)]},
    )
    assert "售前一组" in (await supervisor.get("/settings/teams")).text
    duplicate = await supervisor.submit("/settings/teams", {"name": "售前一组"})
    assert duplicate.status_code == 422
    await supervisor.submit(f"/settings/teams/{team_id}/delete")
    assert "还没有团队" in (await supervisor.get("/settings/teams")).text


async def test_api_key_secret_is_shown_once_then_only_its_prefix(as_, owen, client):
    owner = as_(owen)
    created = await owner.submit("/settings/api-keys", {"name": "ERP 同步"})
    assert created.status_code == 200
    secret = re.search(r'<code id="new-key">([^<]+)</code>', created.text).group(1)
    later = (await owner.get("/settings/api-keys")).text
    assert secret not in later and secret[:8] in later and "从未" in later
    api = await client.get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert secret[:8] in (await owner.get("/settings/api-keys")).text
    key_id = re.search(r"/settings/api-keys/(\d+)/revoke", later).group(1)
    assert (await owner.submit(f"/settings/api-keys/{key_id}/revoke")).status_code == 303
    assert "已吊销" in (await owner.get("/settings/api-keys")).text
    refused = await client.get("/api/v1/products", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


async def test_owner_edits_profile_hours_and_holidays(as_, owen):
    owner = as_(owen)
    profile = {
        "name": "Acme 官方旗舰店",
        "timezone": "Asia/Shanghai",
        "locale": "zh_CN",
        "currency": "CNY",
        "contact_email": "kefu@acme.example",
    }
    assert (await owner.submit("/settings/shop", profile)).status_code == 303
    assert "Acme 官方旗舰店" in (await owner.get("/settings/shop")).text
    bad = await owner.submit("/settings/shop", profile | {"timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    hours = {"mon_open": "on", "mon_start": ["09:00", "14:00"], "mon_end": ["12:00", "21:00"]}
    assert (await owner.submit("/settings/hours", hours)).status_code == 303
    page = (await owner.get("/settings/hours")).text
    assert "14:00" in page and "21:00" in page
    overlapping = {"tue_open": "on", "tue_start": ["09:00", "10:00"], "tue_end": ["12:00", "11:00"]}
    assert (await owner.submit("/settings/hours", overlapping)).status_code == 422
    added = await owner.submit(
        "/settings/hours/holidays", {"day": "2026-10-01", "holiday_name": "国庆节"}
    )
    assert added.status_code == 303
    page = (await owner.get("/settings/hours")).text
    assert "国庆节" in page and "2026-10-01" in page
    again = await owner.submit(
        "/settings/hours/holidays", {"day": "2026-10-01", "holiday_name": "国庆"}
    )
    assert again.status_code == 422
    audit = (await owner.get("/settings/audit")).text
    assert "shop.set_business_hours" in audit and "holiday.create" in audit


async def test_audit_log_is_escaped(as_, owen):
    owner = as_(owen)
    await owner.submit("/settings/teams", {"name": "<script>alert(1)</script>"})
    audit = (await owner.get("/settings/audit")).text
    assert "<script>alert(1)</script>" not in audit
    assert "&lt;script&gt;" in audit


async def test_forms_in_settings_carry_the_csrf_token(as_, owen):
    page = (await as_(owen).get("/settings/agents/new")).text
    assert csrf_of(page) == owen.csrf_token


async def test_refusals_from_actions_are_shown_in_the_ui_language(as_, owen):
    owner = as_(owen)
    await owner.submit("/settings/teams", {"name": "售后组"})
    duplicate = await owner.submit("/settings/teams", {"name": "售后组"})
    assert "已存在名为 售后组 的团队。" in duplicate.text
    weak = await owner.submit("/settings/agents/new", NEW_AGENT | {"password": "abcdefgh"})
    assert "密码需包含字母与数字或符号。" in weak.text
    bad_day = await owner.submit(
        "/settings/hours/holidays", {"day": "十月一日", "holiday_name": "国庆节"}
    )
    assert bad_day.status_code == 422 and "请按 YYYY-MM-DD 格式输入日期。" in bad_day.text
    english = await owner.submit("/settings/teams?lang=en", {"name": "售后组"})
    assert "There is already a team called 售后组." in english.text


async def test_audit_page_filters_by_days_in_the_shop_time_zone(as_, owen, session):
    await team_renames_around_1_november(session, owen)
    owner = as_(owen)
    one_day = (await owner.get("/settings/audit?date_from=2026-11-01&date_to=2026-11-02")).text
    assert "11-01 00:00" in one_day and "11-01 23:59" in one_day
    assert "10-31 23:59" not in one_day and "11-02 00:00" not in one_day
    assert "起始日期" in one_day and "截止（不含当天）" in one_day


async def test_audit_page_says_when_the_days_are_the_wrong_way_round(as_, owen):
    page = await as_(owen).get("/settings/audit?date_from=2026-11-02&date_to=2026-11-01")
    assert page.status_code == 200
    assert "截止日期必须晚于起始日期" in page.text
    assert 'aria-invalid="true" aria-describedby="e-date_to"' in page.text
    english = await as_(owen).get("/settings/audit?date_from=2026-11-02&date_to=x&lang=en")
    assert "Enter a date as YYYY-MM-DD." in english.text
