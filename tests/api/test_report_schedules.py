"""Scheduling e-mail reports through the API: owners and supervisors set them, whoever
may see the reports reads them, bad input is a readable 422, and the first report is
owed at the next send hour in the shop's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")
PATH = "/api/v1/reports/schedules"
DAILY = {"recipients": ["boss@acme.example"], "frequency": "daily", "send_hour": 8}


def next_local(hour: int, weekday: int | None = None) -> datetime:
    """The next hour:00 in Shanghai (on ``weekday`` if given) after now, in UTC."""
    now = datetime.now(SHANGHAI)
    day = now.date()
    while True:
        moment = datetime.combine(day, time(hour), SHANGHAI)
        if moment > now and (weekday is None or day.weekday() == weekday):
            return moment.astimezone(UTC)
        day += timedelta(days=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def test_a_supervisor_schedules_a_daily_report(client, carol, owen):
    body = DAILY | {"recipients": ["Boss@Acme.example", "boss@acme.example", "ops@acme.example"]}
    created = await client.as_(carol).post(PATH, json=body)
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["recipients"] == ["boss@acme.example", "ops@acme.example"]
    assert schedule["created_by_agent_id"] == carol.agent_id
    assert schedule["weekday"] is None and schedule["active"] is True
    assert at(schedule["slot_at"]) == at(schedule["next_due_at"]) == next_local(8)
    assert schedule["last_sent_at"] is None and schedule["attempts"] == 0

    listed = (await client.as_(owen).get(PATH)).json()
    assert [s["id"] for s in listed] == [schedule["id"]]


async def test_a_weekly_report_is_owed_on_its_weekday(client, owen):
    body = {"recipients": ["boss@acme.example"], "frequency": "weekly", "weekday": 0}
    schedule = (await client.as_(owen).post(PATH, json=body | {"send_hour": 9})).json()
    assert at(schedule["slot_at"]) == next_local(9, weekday=0)
    assert at(schedule["slot_at"]).astimezone(SHANGHAI).weekday() == 0

    changed = await client.as_(owen).patch(
        f"{PATH}/{schedule['id']}", json={"frequency": "daily", "send_hour": 18}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["weekday"] is None
    assert at(changed.json()["slot_at"]) == next_local(18)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (DAILY | {"recipients": ["not-an-address"]}, "recipients", "e-mail address"),
        (DAILY | {"recipients": []}, "recipients", "at least one"),
        (
            DAILY | {"recipients": [f"p{i}@acme.example" for i in range(21)]},
            "recipients",
            "at most 20",
        ),
        (DAILY | {"frequency": "hourly"}, "frequency", "daily, weekly, monthly"),
        (DAILY | {"send_hour": 24}, "send_hour", "0 to 23"),
        (DAILY | {"frequency": "weekly"}, "weekday", "weekday"),
        (DAILY | {"frequency": "weekly", "weekday": 7}, "weekday", "weekday"),
    ],
)
async def test_bad_input_is_refused_readably(client, owen, body, field, words):
    response = await client.as_(owen).post(PATH, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"], error
    assert (await client.as_(owen).get(PATH)).json() == []


async def test_twenty_recipients_are_fine(client, owen):
    body = DAILY | {"recipients": [f"p{i}@acme.example" for i in range(20)]}
    assert (await client.as_(owen).post(PATH, json=body)).status_code == 201


async def test_agents_neither_read_nor_write_schedules(client, alice, owen):
    created = (await client.as_(owen).post(PATH, json=DAILY)).json()
    for method, path, body in [
        ("GET", PATH, None),
        ("POST", PATH, DAILY),
        ("GET", f"{PATH}/{created['id']}", None),
        ("PATCH", f"{PATH}/{created['id']}", {"send_hour": 9}),
        ("DELETE", f"{PATH}/{created['id']}", None),
    ]:
        response = await client.as_(alice).request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)


async def test_an_api_key_reads_but_does_not_schedule(client, owen):
    key = (await client.as_(owen).post("/api/v1/api-keys", json={"name": "BI"})).json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    await client.as_(owen).post(PATH, json=DAILY)
    assert len((await client.get(PATH, headers=headers)).json()) == 1
    refused = await client.post(PATH, json=DAILY, headers=headers)
    assert refused.status_code == 403


async def test_another_shops_schedules_are_invisible(client, owen, mallory):
    created = (await client.as_(owen).post(PATH, json=DAILY)).json()
    api = client.as_(mallory)
    assert (await api.get(PATH)).json() == []
    for method in ("GET", "PATCH", "DELETE"):
        body = {"send_hour": 1} if method == "PATCH" else None
        response = await api.request(method, f"{PATH}/{created['id']}", json=body)
        assert response.status_code == 404, (method, response.text)
    assert (await client.as_(owen).get(f"{PATH}/{created['id']}")).json()["send_hour"] == 8


async def test_pausing_and_resuming_starts_from_the_next_send_hour(client, owen):
    created = (await client.as_(owen).post(PATH, json=DAILY)).json()
    path = f"{PATH}/{created['id']}"
    paused = (await client.as_(owen).patch(path, json={"active": False})).json()
    assert paused["active"] is False
    resumed = (await client.as_(owen).patch(path, json={"active": True})).json()
    assert resumed["active"] is True and at(resumed["next_due_at"]) == next_local(8)
    assert (await client.as_(owen).delete(path)).status_code == 204
    assert (await client.as_(owen).get(path)).status_code == 404
