"""The dashboards' API: trends, heatmap, funnel, live now, drill-down and exports, with
figures hand-computed from the two days in ``dashboard_data`` (Monday folded into
rollups, Tuesday not)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from kefu.models import Conversation, Visitor
from tests.reports.dashboard_data import PERIOD, QUEUED_SECONDS, seed_other_shop, seed_two_days


@pytest.fixture
async def seeded(sessionmaker, alice, bob, mallory):
    found = await seed_two_days(sessionmaker, alice, bob)
    await seed_other_shop(sessionmaker, mallory)
    return found


FORMULA = '=HYPERLINK("http://evil.example","点我")'


def _same(cells: list, figures: list) -> bool:
    """Spreadsheet cells hold the JSON's figures (Excel keeps 15 significant digits)."""
    return len(cells) == len(figures) and all(
        c is None if f is None else c == pytest.approx(f, rel=1e-12)
        for c, f in zip(cells, figures, strict=True)
    )


async def _get(client, persona, path: str, **params):
    response = await client.as_(persona).get(path, params=PERIOD | params)
    assert response.status_code == 200, response.text
    return response


async def test_the_conversion_rate_day_by_day(client, carol, seeded):
    body = (await _get(client, carol, "/api/v1/reports/trends", kpi="conversion_rate")).json()
    assert body["kpi"] == "conversion_rate" and body["unit"] == "ratio"
    assert body["period"] == {"start": "2026-11-02", "end": "2026-11-03"}
    assert [(p["day"], p["value"], p["numerator"], p["denominator"]) for p in body["points"]] == [
        ("2026-11-02", 0.5, 1, 2),
        ("2026-11-03", 1.0, 2, 2),
    ]


async def test_a_trend_by_the_shops_day_not_utcs(client, carol, seeded):
    """c3 opened at 00:30 Tuesday in Shanghai (16:30 Monday UTC): Tuesday's."""
    body = (await _get(client, carol, "/api/v1/reports/trends", kpi="conversations")).json()
    assert [p["value"] for p in body["points"]] == [2, 2]
    body = (
        await _get(client, carol, "/api/v1/reports/trends", kpi="first_response_seconds")
    ).json()
    assert [p["value"] for p in body["points"]] == [120.0, 100.0]  # (40+200)/2, 100/1


async def test_a_day_without_facts_has_no_ratio(client, carol, seeded):
    params = {"start": "2026-11-01", "end": "2026-11-02", "kpi": "conversion_rate"}
    response = await client.as_(carol).get("/api/v1/reports/trends", params=params)
    assert [p["value"] for p in response.json()["points"]] == [None, 0.5]


async def test_heatmap_counts_conversations_by_local_weekday_and_hour(client, carol, seeded):
    counts = (await _get(client, carol, "/api/v1/reports/heatmap")).json()["counts"]
    assert len(counts) == 7 and all(len(day) == 24 for day in counts)
    found = {(d, h): n for d, day in enumerate(counts) for h, n in enumerate(day) if n}
    assert found == {(0, 9): 1, (0, 14): 1, (1, 0): 1, (1, 10): 1}


async def test_funnel_counts_and_step_rates(client, carol, seeded):
    steps = (await _get(client, carol, "/api/v1/reports/funnel")).json()["steps"]
    assert [(s["step"], s["count"]) for s in steps] == [
        ("visit", 6),
        ("chat", 4),
        ("inquiry", 4),
        ("order", 3),
        ("paid", 3),
        ("repurchase", 1),
    ]
    assert [s["rate"] for s in steps] == [None, 4 / 6, 1.0, 0.75, 1.0, 1 / 3]
    assert steps[3]["kind"] == "conversion"


async def test_paid_counts_only_the_orders_the_order_step_counts(client, carol, owen, seeded):
    """An order paid without any chat (most of a shop's) is revenue of the shop, not a
    step of the chat funnel: paid never exceeds order."""
    item = {
        "external_id": "E2026110300777",
        "status": "paid",
        "placed_at": "2026-11-03T15:00:00+08:00",
        "paid_at": "2026-11-03T15:01:00+08:00",
        "lines": [
            {"sku": "TEA-1", "title": "明前龙井 250g", "quantity": 1, "unit_price_cents": 26800}
        ],
    }
    written = await client.as_(owen).post("/api/v1/orders/bulk", json={"items": [item]})
    assert written.status_code == 200, written.text
    steps = (await _get(client, carol, "/api/v1/reports/funnel")).json()["steps"]
    counts = {s["step"]: s["count"] for s in steps}
    assert (counts["order"], counts["paid"]) == (3, 3)
    assert steps[4]["kind"] == "conversion"  # its drill-down lists the inquiries' orders


async def test_filters_narrow_the_funnel(client, carol, alice, seeded):
    steps = (await _get(client, carol, "/api/v1/reports/funnel", agent_id=alice.agent_id)).json()[
        "steps"
    ]
    # alice's facts: c1, c3 (opened facts carry no agent, so no chats by agent).
    assert [s["count"] for s in steps] == [0, 0, 2, 2, 2, 0]
    steps = (await _get(client, carol, "/api/v1/reports/funnel", channel="api")).json()["steps"]
    assert [s["count"] for s in steps] == [0, 1, 1, 1, 1, 0]


async def test_live_now_shows_the_queue_and_the_agents(client, carol, alice, bob, seeded):
    live = (await _get(client, carol, "/api/v1/reports/live")).json()
    assert live["queued"] == 1
    assert QUEUED_SECONDS <= live["longest_wait_seconds"] < QUEUED_SECONDS + 3600
    assert live["agents_online"] == 1
    loads = {a["agent_id"]: (a["presence"], a["open_chats"]) for a in live["agents"]}
    # alice is online without open chats; bob is offline but still holds c2 and c4.
    assert loads == {alice.agent_id: ("online", 0), bob.agent_id: ("offline", 2)}


async def test_live_now_follows_the_filters(client, carol, alice, bob, seeded):
    mine = (await _get(client, carol, "/api/v1/reports/live", agent_id=alice.agent_id)).json()
    assert [a["agent_id"] for a in mine["agents"]] == [alice.agent_id]
    assert mine["queued"] == 1  # a queued chat is no agent's: the queue stays
    api_only = (await _get(client, carol, "/api/v1/reports/live", channel="api")).json()
    assert api_only["queued"] == 0 and api_only["longest_wait_seconds"] == 0
    # bob is offline and holds no API chat, so he leaves the list; alice is online.
    assert [(a["agent_id"], a["open_chats"]) for a in api_only["agents"]] == [(alice.agent_id, 0)]
    web = (await _get(client, carol, "/api/v1/reports/live", channel="web")).json()
    assert {a["agent_id"]: a["open_chats"] for a in web["agents"]}[bob.agent_id] == 2
    complaints = (await _get(client, carol, "/api/v1/reports/live", stage="complaint")).json()
    assert complaints["queued"] == 0


async def test_drilldown_lists_the_conversations_behind_the_conversions(
    client, carol, alice, bob, seeded
):
    body = (
        await _get(client, carol, "/api/v1/reports/drilldown", kind="conversion", limit=2)
    ).json()
    rows = body["items"]
    assert [r["conversation_id"] for r in rows] == [seeded.c4, seeded.c3]
    assert rows[0] | {"id": 0, "occurred_at": ""} == {
        "id": 0,
        "kind": "conversion",
        "occurred_at": "",
        "value": 4900,
        "conversation_id": seeded.c4,
        "case_id": None,
        "agent_id": bob.agent_id,
        "agent_name": "Bob",
        "channel": "web",
        "status": "pending",
        "customer_name": "王芳",
    }
    assert datetime.fromisoformat(rows[0]["occurred_at"]) == datetime.fromisoformat(
        "2026-11-03T02:10:00+00:00"
    )
    more = (
        await _get(
            client,
            carol,
            "/api/v1/reports/drilldown",
            kind="conversion",
            cursor=body["next_cursor"],
        )
    ).json()
    assert [r["conversation_id"] for r in more["items"]] == [seeded.c1]
    assert more["next_cursor"] is None
    mine = (
        await _get(
            client,
            carol,
            "/api/v1/reports/drilldown",
            kind="first_response",
            agent_id=alice.agent_id,
        )
    ).json()["items"]
    assert [(r["conversation_id"], r["value"]) for r in mine] == [(seeded.c3, 100), (seeded.c1, 40)]
    visitors = (await _get(client, carol, "/api/v1/reports/drilldown", kind="inquiry")).json()[
        "items"
    ]
    assert {r["conversation_id"]: r["customer_name"] for r in visitors}[seeded.c2] == "李先生"


async def test_the_xlsx_export_holds_the_json_figures(client, carol, seeded):
    funnel = (await _get(client, carol, "/api/v1/reports/funnel")).json()["steps"]
    response = await _get(
        client, carol, "/api/v1/reports/export", report="funnel", format="xlsx", lang="zh-CN"
    )
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("步骤", "数量", "环节转化率")
    assert [(r[1], r[2]) for r in rows[1:]] == [(s["count"], s["rate"]) for s in funnel]
    assert rows[1][0] == "访问" and rows[4][0] == "已下单"

    trend = (await _get(client, carol, "/api/v1/reports/trends", kpi="conversion_rate")).json()
    response = await _get(
        client,
        carol,
        "/api/v1/reports/export",
        report="trends",
        kpi="conversion_rate",
        format="xlsx",
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [(r[0].date().isoformat(), r[1]) for r in rows[1:]] == [
        (p["day"], p["value"]) for p in trend["points"]
    ]


async def test_the_csv_export_has_a_bom_and_chinese_headers(client, carol, alice, bob, seeded):
    response = await _get(client, carol, "/api/v1/reports/export", report="conversations")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "会话编号",
        "开始时间",
        "渠道",
        "客户",
        "客服",
        "首次响应（秒）",
        "状态",
        "评分",
        "解决时间",
    ]
    assert [(int(r[0]), r[1], r[3], r[4], r[5], r[7], r[8]) for r in rows[1:]] == [
        (seeded.c1, "2026-11-02 09:05", "王芳", "Alice", "40", "5", "2026-11-02 09:30"),
        (seeded.c2, "2026-11-02 14:20", "李先生", "Bob", "200", "", ""),
        (seeded.c3, "2026-11-03 00:30", "张伟", "Alice", "100", "", "2026-11-03 01:00"),
        (seeded.c4, "2026-11-03 10:00", "王芳", "Bob", "", "", ""),
    ]
    english = await client.as_(carol).get(
        "/api/v1/reports/export",
        params=PERIOD | {"report": "funnel"},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    assert english.content.decode("utf-8-sig").splitlines()[:2] == [
        "Step,Count,Step rate",
        "Visits,6,",
    ]


async def test_the_facts_behind_a_figure_export_whole(client, carol, bob, seeded):
    """The drill-down's rows, every page in one file, in the reader's language."""
    response = await _get(
        client, carol, "/api/v1/reports/export", report="drilldown", kind="conversion"
    )
    assert 'filename="drilldown_conversion_' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "会话编号", "售后单编号", "客户", "客服", "渠道", "状态", "数值"]
    assert [int(r[1]) for r in rows[1:]] == [seeded.c4, seeded.c3, seeded.c1]
    assert rows[1][3:] == ["王芳", "Bob", "网页插件", "等待客户回复", "4900"]
    xlsx = await _get(
        client, carol, "/api/v1/reports/export", report="drilldown", kind="first_response",
        format="xlsx", agent_id=bob.agent_id,
    )  # fmt: skip
    values = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert [(r[1], r[7]) for r in values[1:]] == [(seeded.c2, 200)]
    refused = await client.as_(carol).get(
        "/api/v1/reports/export", params=PERIOD | {"report": "drilldown"}
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "kind"


async def test_the_queue_and_agents_now_export_as_the_live_panel_shows(
    client, carol, alice, bob, seeded
):
    live = (await _get(client, carol, "/api/v1/reports/live")).json()
    response = await _get(client, carol, "/api/v1/reports/export", report="live", lang="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Taken at", "Agent", "Presence", "Open chats", "Chat limit", "Waiting in queue",
        "Longest wait (seconds)",
    ]  # fmt: skip
    by_agent = {r[1]: (r[2], int(r[3]), int(r[5])) for r in rows[1:]}
    assert by_agent == {"Alice": ("Online", 0, 1), "Bob": ("Offline", 2, 1)}
    assert {int(r[6]) for r in rows[1:]} >= {live["longest_wait_seconds"]}
    nobody = await _get(
        client, carol, "/api/v1/reports/export", report="live", lang="en", channel="api",
        agent_id=bob.agent_id,
    )  # fmt: skip
    [_, only] = list(csv.reader(io.StringIO(nobody.content.decode("utf-8-sig"))))
    assert only[1:] == ["", "", "", "", "0", "0"]  # nobody to list: the queue still shows


async def test_another_shop_sees_none_of_these_figures(client, mallory, seeded):
    steps = (await _get(client, mallory, "/api/v1/reports/funnel")).json()["steps"]
    assert [s["count"] for s in steps] == [2, 2, 2, 2, 2, 0]  # her own facts only
    rows = (await _get(client, mallory, "/api/v1/reports/drilldown", kind="conversion")).json()[
        "items"
    ]
    assert {r["value"] for r in rows} == {777}
    exported = await _get(client, mallory, "/api/v1/reports/export", report="conversations")
    assert len(exported.content.decode("utf-8-sig").splitlines()) == 2  # header + her one
    live = (await _get(client, mallory, "/api/v1/reports/live")).json()
    assert live["queued"] == 0


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"kpi": "speed"}, "kpi", "unknown KPI"),
        ({"kpi": "csat", "start": "2026-11-03", "end": "2026-11-01"}, "end", "ends before"),
    ],
)
async def test_a_bad_trend_request_is_a_readable_422(client, carol, params, field, words):
    response = await client.as_(carol).get("/api/v1/reports/trends", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field and words in error["message"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/reports/drilldown", {"kind": "purchase"}, "kind"),
        ("/api/v1/reports/export", {"report": "funnel", "format": "pdf"}, "format"),
        ("/api/v1/reports/export", {"report": "everything"}, "report"),
        ("/api/v1/reports/export", {"report": "trends", "kpi": "speed"}, "kpi"),
        ("/api/v1/reports/funnel", {"start": "2026-13-01"}, "start"),
    ],
)
async def test_bad_choices_are_a_422_naming_the_field(client, carol, path, params, field):
    response = await client.as_(carol).get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["message"]


async def test_an_agent_may_not_read_reports(client, alice):
    for path in ("/api/v1/reports/funnel", "/api/v1/reports/live", "/api/v1/reports/export"):
        response = await client.as_(alice).get(path, params={"report": "funnel"})
        assert response.status_code == 403, path


async def test_overview_and_leaderboard_exports_hold_the_json_figures(client, carol, seeded):
    overview = (await _get(client, carol, "/api/v1/reports/overview")).json()["kpis"]
    response = await _get(
        client, carol, "/api/v1/reports/export", report="overview", format="xlsx", lang="zh-CN"
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("指标", "本期", "上期", "环比")
    assert _same([r[1] for r in rows[1:]], [k["value"] for k in overview])
    conversion = rows[1 + [k["code"] for k in overview].index("conversion_rate")]
    assert conversion[:2] == ("询单转化率", 0.75)  # 3 orders of 4 inquiries

    board = (await _get(client, carol, "/api/v1/reports/agents")).json()["items"]
    response = await _get(client, carol, "/api/v1/reports/export", report="agents", format="xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    code_names = {
        "first_response_seconds": "平均首次响应时长",
        "conversion_rate": "询单转化率",
        "revenue_cents": "询单销售额",
    }
    column = rows[0].index("询单转化率")
    assert [r[0] for r in rows[1:]] == [row["name"] for row in board]
    for code in ("first_response_seconds", "conversion_rate", "revenue_cents"):
        at = rows[0].index(code_names[code])
        assert _same([r[at] for r in rows[1:]], [row["kpis"][code] for row in board]), code
    assert ("Alice", 1.0) in [(r[0], r[column]) for r in rows[1:]]  # c1 and c3 both ordered


async def test_a_shoppers_name_is_exported_as_text_never_as_a_formula(
    client, sessionmaker, carol, alice
):
    """A visitor may call themselves "=HYPERLINK(…)": Excel must show it, not run it."""
    async with sessionmaker() as session:
        visitor = Visitor(shop_id=alice.shop_id, public_id="v-formula-01", display_name=FORMULA)
        session.add(visitor)
        await session.flush()
        session.add(
            Conversation(
                shop_id=alice.shop_id,
                visitor_id=visitor.id,
                created_at=datetime.fromisoformat("2026-11-02T03:00:00+00:00"),
            )
        )
        await session.commit()
    params = {"report": "conversations"}
    csv_rows = list(
        csv.reader(
            io.StringIO(
                (await _get(client, carol, "/api/v1/reports/export", **params)).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert csv_rows[1][3] == "'" + FORMULA
    xlsx = await _get(client, carol, "/api/v1/reports/export", format="xlsx", **params)
    cell = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active["D2"]
    assert cell.data_type == "s" and cell.value == "'" + FORMULA


async def test_the_heatmap_exports_as_the_page_shows_it(client, carol, seeded):
    counts = (await _get(client, carol, "/api/v1/reports/heatmap")).json()["counts"]
    exported = await client.as_(carol).get(
        "/api/v1/reports/export",
        params={"report": "heatmap", "format": "csv", "lang": "zh_CN", **PERIOD},
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["星期", "00:00", "01:00"]
    assert [row[0] for row in rows[1:]] == [
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
    ]
    assert [[int(n) for n in row[1:]] for row in rows[1:]] == counts
