"""The analysis routes: rising topics, the staffing forecast and intents before orders,
each figure worked out by hand from the seeded history; bad input is a 422 that says
what is wrong, agents are refused, and another shop sees nothing of acme."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from tests.reports.analysis_seed import PERIOD, SCRIPT


async def test_topics_put_the_zipper_complaints_first(client, owen, acme_history):
    response = await client.as_(owen).get("/api/v1/reports/topics", params=PERIOD | {"limit": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["end"] == "2026-11-29T16:00:00Z"
    assert body["recent_start"] == "2026-11-22T16:00:00Z"
    assert body["reference_start"] == "2026-10-25T16:00:00Z"
    assert (body["recent_messages"], body["reference_messages"]) == (42, 101)
    top = body["topics"][0]
    assert top["terms"][0] == "拉链"
    assert (top["now"], top["before"]) == (12, 1)
    assert len(top["examples"]) == 3
    assert {e["text"] for e in top["examples"]} == {"拉链坏了", "外套的拉链拉不上", SCRIPT}
    assert set(top["examples"][0]) == {"message_id", "conversation_id", "text", "at"}
    assert len(body["topics"]) <= 3
    assert top["rising"] > body["topics"][1]["rising"]


async def test_the_forecast_repeats_a_perfectly_weekly_history(client, owen, acme_history):
    response = await client.as_(owen).get("/api/v1/reports/forecast", params=PERIOD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["origin"] == "2026-11-29T16:00:00Z"
    assert body["history_weeks"] == 3 and body["backtest_weeks"] == 1 and body["note"] is None
    assert len(body["history"]) == 8 * 168 and sum(body["history"]) == 21 * 3
    assert body["model_errors"] == {"mae": 0.0, "smape": 0.0}
    assert body["naive_errors"] == {"mae": 0.0, "smape": 0.0}
    hours = body["forecast"]
    assert len(hours) == 168
    # 2 conversations at 13:00 UTC (21 hours after the 16:00 origin), 1 at 06:00 (14 h).
    assert hours[21] == {"hour": "2026-11-30T13:00:00Z", "model": 2.0, "naive": 2.0}
    assert hours[14]["model"] == pytest.approx(1.0) and hours[14]["naive"] == 1.0
    assert sum(h["naive"] for h in hours) == 21
    assert sum(h["model"] for h in hours) == pytest.approx(21)


async def test_intents_are_ranked_by_how_often_they_led_to_an_order(client, owen, acme_history):
    params = {"start": "2026-10-01", "end": "2026-10-01"}
    response = await client.as_(owen).get("/api/v1/reports/intents", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["conversations"], body["without_message"], body["converted"]) == (7, 1, 3)
    assert body["intents"] == [
        {"intent": "presale.bargain", "conversations": 1, "converted": 1, "rate": 1.0},
        {"intent": "presale.size_advice", "conversations": 3, "converted": 2, "rate": 0.6667},
        {"intent": "logistics.delay", "conversations": 2, "converted": 0, "rate": 0.0},
    ]


async def test_another_shop_sees_nothing_of_acme(client, mallory, acme_history):
    api = client.as_(mallory)
    topics = (await api.get("/api/v1/reports/topics", params=PERIOD)).json()
    assert (topics["recent_messages"], topics["topics"]) == (0, [])
    forecast = (await api.get("/api/v1/reports/forecast", params=PERIOD)).json()
    assert forecast["note"] == "not_enough_history" and sum(forecast["history"]) == 0
    assert all(h["model"] is None and h["naive"] is None for h in forecast["forecast"])
    intents = (
        await api.get(
            "/api/v1/reports/intents", params={"start": "2026-10-01", "end": "2026-10-01"}
        )
    ).json()
    assert intents == {"conversations": 0, "without_message": 0, "converted": 0, "intents": []}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/reports/topics", {"start": "2026-11-29", "end": "2026-11-01"}, "end"),
        ("/api/v1/reports/topics", {"limit": 0}, "limit"),
        ("/api/v1/reports/topics", {"limit": 31}, "limit"),
        ("/api/v1/reports/forecast", {"end": "29.11.2026"}, "end"),
        ("/api/v1/reports/intents", {"start": "2025-01-01", "end": "2026-11-29"}, "start"),
        ("/api/v1/reports/intents", {"channel": "fax"}, "channel.0"),
    ],
)
async def test_bad_input_is_a_readable_422(client, owen, path, params, field):
    response = await client.as_(owen).get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field and error["message"]


@pytest.mark.parametrize("path", ["topics", "forecast", "intents"])
async def test_agents_may_not_see_the_analysis(client, alice, carol, path):
    refused = await client.as_(alice).get(f"/api/v1/reports/{path}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (await client.as_(carol).get(f"/api/v1/reports/{path}")).status_code == 200


async def test_filters_narrow_every_analysis(client, owen, acme_history):
    """Acme's conversations and openings are all on the web channel: asking for the API
    channel's leaves nothing; asking for the web's changes nothing."""
    api = client.as_(owen)
    for channel, messages, weeks in (("api", 0, 0), ("web", 42, 3)):
        params = PERIOD | {"channel": channel}
        topics = (await api.get("/api/v1/reports/topics", params=params)).json()
        assert topics["recent_messages"] == messages
        forecast = (await api.get("/api/v1/reports/forecast", params=params)).json()
        assert forecast["history_weeks"] == weeks
    october = {"start": "2026-10-01", "end": "2026-10-01", "channel": "api"}
    intents = (await api.get("/api/v1/reports/intents", params=october)).json()
    assert (intents["conversations"], intents["intents"]) == (0, [])


async def test_the_analysis_exports_hold_the_same_figures(client, owen, acme_history):
    """Topics, the forecast and conversion by intent as CSV (headed in Chinese) and XLSX,
    figure for figure what the JSON routes answer, times in the shop's wall clock."""
    owner = client.as_(owen)
    export = "/api/v1/reports/export"
    topics = await owner.get(export, params=PERIOD | {"report": "topics", "lang": "zh-CN"})
    assert topics.status_code == 200, topics.text
    rows = list(csv.reader(io.StringIO(topics.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["话题关键词", "最近 7 天", "之前 28 天"]
    assert rows[1][0].startswith("拉链") and rows[1][1:3] == ["12", "1"]
    assert rows[1][6] in {"拉链坏了", "外套的拉链拉不上", SCRIPT}

    params = PERIOD | {"report": "forecast", "format": "xlsx", "lang": "en"}
    forecast = await owner.get(export, params=params)
    assert forecast.status_code == 200, forecast.text
    sheet = openpyxl.load_workbook(io.BytesIO(forecast.content)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0] == ("Hour", "Forecast (seasonal model)", "Same hour last week")
    assert len(cells) == 1 + 168
    # 2026-11-30 13:00 UTC is 21:00 in Shanghai: the hour two conversations come each week.
    assert cells[1 + 21] == (datetime(2026, 11, 30, 21, 0), 2.0, 2.0)

    day = {"start": "2026-10-01", "end": "2026-10-01", "report": "intents", "lang": "zh-CN"}
    intents = await owner.get(export, params=day)
    rows = list(csv.reader(io.StringIO(intents.content.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["presale.bargain", "1", "1", "1.0"],
        ["presale.size_advice", "3", "2", "0.6667"],
        ["logistics.delay", "2", "0", "0.0"],
    ]


async def test_agents_may_not_export_the_analysis(client, alice, acme_history):
    answer = await client.as_(alice).get("/api/v1/reports/export", params={"report": "topics"})
    assert answer.status_code == 403
