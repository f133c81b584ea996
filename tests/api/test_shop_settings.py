"""The shop's profile, business hours and holidays through the REST API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.models import User
from kefu.queries.auth import agent_actor
from kefu.queries.shops import shop_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = {
    "mon": [["09:00", "12:00"], ["13:00", "21:00"]],
    "tue": [["09:00", "21:00"]],
    "sat": [["10:00", "16:00"]],
}


async def test_owner_edits_the_profile(client, owen):
    api = client.as_(owen)
    changed = await api.patch(
        "/api/v1/shop",
        json={
            "name": "Acme 官方旗舰店",
            "timezone": "Asia/Hong_Kong",
            "contact_email": "kf@acme.cn",
        },
    )
    assert changed.status_code == 200, changed.text
    shop = (await api.get("/api/v1/shop")).json()
    assert (shop["name"], shop["timezone"], shop["locale"]) == (
        "Acme 官方旗舰店",
        "Asia/Hong_Kong",
        "zh_CN",
    )
    assert "widget_secret" not in shop


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Beijing"}, "timezone"),
        ({"locale": "fr"}, "locale"),
        ({"currency": "人民币"}, "currency"),
        ({"contact_email": "no-at-sign"}, "contact_email"),
        ({"name": ""}, "name"),
    ],
)
async def test_profile_errors_name_the_field(client, owen, change, field):
    response = await client.as_(owen).patch("/api/v1/shop", json=change)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field


async def test_only_owners_change_shop_settings_but_everyone_reads_them(client, carol, alice):
    for persona in (carol, alice):
        api = client.as_(persona)
        assert (await api.get("/api/v1/shop")).status_code == 200
        assert (await api.get("/api/v1/shop/business-hours")).status_code == 200
        for response in (
            await api.patch("/api/v1/shop", json={"name": "抢店"}),
            await api.put("/api/v1/shop/business-hours", json={"hours": HOURS}),
            await api.post("/api/v1/shop/holidays", json={"day": "2026-10-01", "name": "国庆节"}),
        ):
            assert response.status_code == 403
            assert response.json()["error"]["message"] == "your role may not do this (manage_shop)"


async def test_business_hours_are_stored_normalised_and_feed_the_calendar(client, session, owen):
    response = await client.as_(owen).put("/api/v1/shop/business-hours", json={"hours": HOURS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["hours"]["mon"] == HOURS["mon"] and body["hours"]["sun"] == []
    assert body["timezone"] == "Asia/Shanghai"
    assert isinstance(body["open_now"], bool) and body["next_open"] is not None
    user = await session.get(User, owen.user_id)
    calendar = await shop_calendar(session, await agent_actor(session, user, owen.shop_id))
    monday_11am, monday_2pm = (datetime(2026, 11, 23, h, tzinfo=SHANGHAI) for h in (11, 14))
    assert calendar.business_seconds_between(monday_11am, monday_2pm) == 2 * 3600


@pytest.mark.parametrize(
    ("hours", "field", "words"),
    [
        ({"mon": [["18:00", "09:00"]]}, "hours.mon", "closes before it opens"),
        ({"wed": [["09:00", "13:00"], ["12:00", "18:00"]]}, "hours.wed", "overlap"),
        ({"周一": [["09:00", "18:00"]]}, "hours.周一", "unknown weekday"),
        ({"fri": [["9点", "18:00"]]}, "hours.fri", "not a time like 09:00"),
    ],
)
async def test_bad_business_hours_say_which_day_is_wrong(client, owen, hours, field, words):
    response = await client.as_(owen).put("/api/v1/shop/business-hours", json={"hours": hours})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert words in error["message"]


async def test_holidays_are_added_listed_and_removed(client, owen, alice):
    api = client.as_(owen)
    spring = await api.post("/api/v1/shop/holidays", json={"day": "2026-02-17", "name": "春节"})
    national = await api.post("/api/v1/shop/holidays", json={"day": "2026-10-01", "name": "国庆节"})
    assert spring.status_code == national.status_code == 201
    twice = await api.post("/api/v1/shop/holidays", json={"day": "2026-10-01", "name": "国庆"})
    assert twice.status_code == 409 and twice.json()["error"]["field"] == "day"
    listed = (await client.as_(alice).get("/api/v1/shop/holidays")).json()
    assert [h["name"] for h in listed] == ["春节", "国庆节"]
    removed = await api.delete(f"/api/v1/shop/holidays/{spring.json()['id']}")
    assert removed.status_code == 204
    assert [h["day"] for h in (await api.get("/api/v1/shop/holidays")).json()] == ["2026-10-01"]


async def test_a_bad_holiday_date_is_a_422_on_day(client, owen):
    response = await client.as_(owen).post(
        "/api/v1/shop/holidays", json={"day": "2026-02-30", "name": "不存在的日子"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "day"


async def test_a_make_up_working_day_opens_the_calendar_on_a_sunday(client, session, owen):
    """调休: Sunday 2026-09-27 is worked 09:00–18:00 before the National Day week."""
    api = client.as_(owen)
    response = await api.post(
        "/api/v1/shop/holidays",
        json={"day": "2026-09-27", "name": "国庆调休上班", "hours": [["09:00", "18:00"]]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["hours"] == [["09:00", "18:00"]]
    user = await session.get(User, owen.user_id)
    calendar = await shop_calendar(session, await agent_actor(session, user, owen.shop_id))
    sunday_9am = datetime(2026, 9, 27, 9, tzinfo=SHANGHAI)
    assert calendar.business_minutes_between(sunday_9am, sunday_9am + timedelta(days=1)) == 540
    bad = await api.post(
        "/api/v1/shop/holidays",
        json={"day": "2026-10-10", "name": "调休", "hours": [["18:00", "09:00"]]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "hours"
    assert "closes before it opens" in bad.json()["error"]["message"]
