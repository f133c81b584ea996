"""The analysis page: figures from the same read sides as the API, in Chinese first,
shoppers' words escaped; agents are refused."""

from __future__ import annotations

import subprocess
import sys

from kefu.lib.forecast import NAIVE_ONLY, NO_BACKTEST, NOT_ENOUGH
from kefu.web.pages.report_analysis import NOTES
from tests.reports.analysis_seed import SCRIPT


async def test_the_page_shows_the_forecast_topics_and_intents(client, owen, acme_history):
    response = await client.as_(owen).get("/reports/analysis", params={"end": "2026-11-29"})
    assert response.status_code == 200, response.text
    html = response.text
    assert "报表分析" in html and 'href="/reports"' in html
    assert "季节朴素基线（上周同一小时）" in html and "0.00" in html  # a perfect backtest
    assert "拉链 · " in html
    assert SCRIPT not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;拉链坏了" in html
    assert '<script src="/static/js/report-analysis.js" defer></script>' in html
    # The three analyses export as CSV and XLSX for the period shown.
    assert "上升话题" in html and "逐小时预测" in html and "各意图转化" in html
    period = "start=2026-10-31&amp;end=2026-11-29"
    assert f"report=forecast&amp;format=xlsx&amp;lang=zh_CN&amp;{period}" in html


async def test_the_page_in_english(client, owen, acme_history):
    response = await client.as_(owen).get("/reports/analysis", params={"lang": "en"})
    assert response.status_code == 200
    assert "Report analysis" in response.text and "Rising topics" in response.text


async def test_agents_may_not_open_the_page(client, alice):
    response = await client.as_(alice).get("/reports/analysis")
    assert response.status_code == 403


async def test_a_backwards_period_is_refused_with_a_message(client, owen):
    response = await client.as_(owen).get(
        "/reports/analysis", params={"start": "2026-11-29", "end": "2026-11-01"}
    )
    assert response.status_code == 422
    assert "the period ends before it starts" in response.text


def test_every_forecast_note_has_a_message():
    assert set(NOTES) == {NOT_ENOUGH, NAIVE_ONLY, NO_BACKTEST}


def test_the_server_starts_without_loading_the_analysis_libraries():
    """scikit-learn loads with the first analysis, jieba with the first search or bot
    answer, Pillow with the first picture, jsonschema with a case's custom fields and
    aiosmtplib with the first e-mail, not in every idle server (``kefu bench idle`` counts
    each MiB). numpy does load: the reply-quality model checks agents' replies on the send
    path (about 20 MiB with its arrays, in bench/RESULTS.md's idle figures)."""
    lazy = "{'sklearn', 'jieba', 'PIL', 'jsonschema', 'aiosmtplib'}"
    check = f"import sys, kefu.app; print(sorted({lazy} & set(sys.modules)))"
    shown = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert shown.stdout.strip() == "[]", shown.stderr
