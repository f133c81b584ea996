"""The reports page and its drill-down as a browser gets them: who sees them, the
filters the page hands its script, and the conversations behind a figure with links
into the workspace."""

from __future__ import annotations

import json
import re

from tests.reports.dashboard_data import PERIOD, seed_two_days


def _config(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="rp-config">(.*?)</script>', html, re.S)
    assert found, "the page hands its script a config"
    return json.loads(found.group(1))


async def test_a_supervisor_gets_the_reports_page_with_the_nav_link(client, carol):
    response = await client.as_(carol).get("/reports", params=PERIOD | {"channel": "web"})
    assert response.status_code == 200
    html = response.text
    assert 'href="/reports"' in html and "数据报表" in html
    assert 'href="/reports/analysis"' in html, "the forecast and topics are one click away"
    assert '<script src="/static/vendor/echarts-6.1.0.min.js" defer></script>' in html
    config = _config(html)
    assert config["query"] == "start=2026-11-02&end=2026-11-03&channel=web"
    conversion = next(k for k in config["kpis"] if k["code"] == "conversion_rate")
    assert conversion == {
        "code": "conversion_rate",
        "name": "询单转化率",
        "unit": "ratio",
        "lower_is_better": False,
        "drill": "conversion",
    }
    assert next(k for k in config["kpis"] if k["code"] == "complaint_rate")["lower_is_better"]
    assert "report=funnel&amp;format=xlsx&amp;lang=zh_CN&amp;start=2026-11-02" in html
    assert "report=live&amp;format=csv" in html and "当前排队与客服" in html


async def test_an_agent_gets_no_reports_link_and_a_403(client, alice):
    home = await client.as_(alice).get("/")
    assert home.status_code == 200 and 'href="/reports"' not in home.text
    assert (await client.as_(alice).get("/reports")).status_code == 403
    drill = await client.as_(alice).get("/reports/drilldown", params={"kind": "conversion"})
    assert drill.status_code == 403


async def test_a_backwards_period_is_explained_and_the_default_shown(client, carol):
    response = await client.as_(carol).get(
        "/reports", params={"start": "2020-03-05", "end": "2020-03-01"}
    )
    assert response.status_code == 200
    assert "结束日期早于开始日期。" in response.text
    # The last 30 days instead (dates years back: no default period can contain them).
    query = _config(response.text)["query"]
    assert query.startswith("start=") and "2020-03" not in query


async def test_the_drilldown_lists_the_conversations_with_workspace_links(
    client, sessionmaker, carol, alice, bob
):
    seeded = await seed_two_days(sessionmaker, alice, bob)
    response = await client.as_(carol).get(
        "/reports/drilldown", params=PERIOD | {"kind": "conversion"}
    )
    assert response.status_code == 200
    html = response.text
    links = re.findall(r'href="/workspace\?conversation=(\d+)"', html)
    assert links == [str(seeded.c4), str(seeded.c3), str(seeded.c1)]
    assert "询单成交" in html and "¥49.00" in html and "王芳" in html and "张伟" in html
    # The rows on screen, every page of them, export with the same figure and filters.
    assert (
        'href="/api/v1/reports/export?report=drilldown&amp;kind=conversion&amp;format=xlsx'
        "&amp;lang=zh_CN&amp;start=2026-11-02&amp;end=2026-11-03" in html
    )
    english = await client.as_(carol).get(
        "/reports/drilldown",
        params=PERIOD | {"kind": "conversion", "agent_id": alice.agent_id, "lang": "en"},
    )
    assert re.findall(r'conversation=(\d+)"', english.text) == [str(seeded.c3), str(seeded.c1)]
    assert "Inquiries that ordered" in english.text


async def test_an_unknown_figure_is_a_422_page(client, carol):
    response = await client.as_(carol).get(
        "/reports/drilldown", params={"kind": "purchase"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 422
    assert "请从列表中选择报表数据。" in response.text
