"""``kefu bench``: the last line of stdout is one JSON object with the agreed keys."""

from __future__ import annotations

import json
import os

import pytest

from kefu.bench.import_file import dataset
from kefu.bench.intent import cic_dir
from kefu.bench.writer import Line
from kefu.errors import NotFound

KEYS = {"bench", "metric", "value", "unit", "baseline", "baseline_value", "ratio"}


async def test_quick_import_bench_ends_with_one_json_line(kefu_cli):
    try:
        dataset()
    except NotFound:
        pytest.skip("UCI Online Retail file not found (set KEFU_SHARED_DIR to ../shared)")
    code, out, err = await kefu_cli("bench", "import", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) == KEYS
    assert (result["bench"], result["metric"]) == ("import", "lines_per_second")
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert "importing" in err  # progress goes to stderr


async def test_quick_rfm_bench_ends_with_one_json_line(kefu_cli):
    try:
        dataset()
    except NotFound:
        pytest.skip("UCI Online Retail file not found (set KEFU_SHARED_DIR to ../shared)")
    code, out, err = await kefu_cli("bench", "rfm", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    extra = {"lines", "customers", "cpu_seconds", "baseline_cpu_seconds", "cli_seconds"}
    assert set(result) == KEYS | extra
    assert (result["bench"], result["metric"], result["unit"]) == ("rfm", "seconds", "s")
    assert result["lines"] == 50_000
    assert result["customers"] > 0 and result["value"] > 0 and result["baseline_value"] > 0
    assert "pandas" in err  # progress goes to stderr


async def test_unknown_benchmark_is_refused(kefu_cli):
    code, out, err = await kefu_cli("bench", "teleport")
    assert code != 0
    assert "unknown benchmark 'teleport'" in err and "import" in err
    assert out == ""


async def test_quick_chat_bench_ends_with_one_json_line(kefu_cli):
    code, out, err = await kefu_cli("bench", "chat", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert (result["bench"], result["metric"], result["unit"]) == (
        "chat",
        "msgs_per_second",
        "msgs/s",
    )
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert result["p99_ms"] >= result["p50_ms"] > 0
    assert result["msgs_per_cpu_second"] > 0
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert "bare Starlette WebSocket relay" in err  # progress goes to stderr


@pytest.mark.skipif(
    not (os.environ.get("KEFU_TEST_DATABASE_URL") and os.environ.get("KEFU_TEST_REDIS_URL")),
    reason="needs KEFU_TEST_DATABASE_URL (PostgreSQL) and KEFU_TEST_REDIS_URL",
)
async def test_quick_chat_bench_on_two_processes_counts_every_message_exactly_once(kefu_cli):
    code, out, err = await kefu_cli(
        "bench",
        "chat",
        "--quick",
        "--processes",
        "2",
        "--database-url",
        os.environ["KEFU_TEST_DATABASE_URL"],
        "--redis-url",
        os.environ["KEFU_TEST_REDIS_URL"],
    )
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= KEYS | {"lost", "duplicated", "acknowledged", "p99_ms"}
    assert (result["bench"], result["metric"]) == ("chat", "msgs_per_cpu_second")
    assert result["processes"] == 2
    assert result["acknowledged"] > 0
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert "2 Kefu processes (PostgreSQL, Redis between them)" in err


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["chat", "--processes", "0"], "--processes takes at least 1"),
        (["reports", "--processes", "2"], "the reports benchmark takes no --processes"),
        (["chat", "--database-url", "sqlite:///x.db"], "go with --processes 2 or more"),
        (
            ["chat", "--processes", "2", "--database-url", "sqlite:///x.db"],
            "--processes 2 or more runs on PostgreSQL",
        ),
    ],
)
async def test_chat_bench_options_that_cannot_work_are_refused(kefu_cli, arguments, complaint):
    code, out, err = await kefu_cli("bench", *arguments)
    assert code != 0
    assert complaint in err and "Traceback" not in err
    assert out == ""


async def test_quick_writer_bench_reports_a_batch_and_a_message_against_bare_sqlite(kefu_cli):
    code, out, err = await kefu_cli("bench", "writer", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= KEYS | {"per_batch_ms", "per_message_ms", "load_at_2000"}
    assert (result["bench"], result["metric"], result["unit"]) == (
        "writer",
        "msgs_per_second",
        "msgs/s",
    )
    assert result["value"] > 0 and result["baseline_value"] > result["value"]
    # the ORM and the domain's checks cost more than the rows alone
    assert result["per_message_ms"] > result["floor_per_message_ms"] > 0
    assert result["batch_16_ms"] > result["batch_1_ms"] > 0
    assert result["load_at_2000"] == pytest.approx(2 * result["per_message_ms"], abs=0.002)
    assert "bare sqlite3" in err  # progress goes to stderr


def test_a_writer_line_gives_back_the_cost_of_a_batch_and_of_a_message():
    line = Line({n: 0.002 + 0.0003 * n for n in (1, 4, 16, 64)})
    assert line.per_batch == pytest.approx(0.002)
    assert line.per_message == pytest.approx(0.0003)
    assert line.msgs_per_second(16) == pytest.approx(16 / 0.0068)


async def test_quick_idle_bench_holds_every_socket_and_reports_memory(kefu_cli):
    code, out, err = await kefu_cli("bench", "idle", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert (result["bench"], result["metric"], result["unit"]) == ("idle", "server_rss_mib", "MiB")
    assert result["connections"] == 500
    assert result["value"] > result["empty_server_mib"] > 0
    assert result["baseline_value"] > 0 and result["ratio"] > 0


async def test_quick_intent_bench_reports_throughput_latency_and_cic_f1(kefu_cli):
    try:
        cic_dir()
    except NotFound:
        pytest.skip("CIC data set not found (set KEFU_SHARED_DIR to ../shared)")
    code, out, err = await kefu_cli("bench", "intent", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    extra = {"messages", "p99_ms", "macro_f1_dev", "accuracy_dev", "baseline_macro_f1_dev"}
    mapped = {"default_cic_mapped_accuracy", "default_cic_mapped_messages"}
    assert set(result) == KEYS | extra | mapped
    assert (result["bench"], result["unit"]) == ("intent", "messages/s")
    assert result["messages"] == 2_000
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["p99_ms"] > 0
    assert 0 < result["macro_f1_dev"] <= 100 and 0 < result["baseline_macro_f1_dev"] <= 100
    assert result["default_cic_mapped_messages"] > 1_000  # all of CIC dev, even when quick
    assert 0 < result["default_cic_mapped_accuracy"] <= 100
    assert "logistic regression" in err  # progress goes to stderr


async def test_quick_qa_bench_ends_with_one_json_line(kefu_cli):
    code, out, err = await kefu_cli("bench", "qa", "--quick")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    cpu = {"cpu_replies_per_second", "baseline_cpu_replies_per_second"}
    full = {
        "full_check_replies",
        "full_check_replies_per_second",
        "full_check_cpu_replies_per_second",
        "model_ready_seconds",
    }
    assert set(result) == KEYS | {"replies", "phrases"} | cpu | full
    assert (result["bench"], result["metric"], result["unit"]) == (
        "qa",
        "replies_per_second",
        "replies/s",
    )
    assert result["replies"] == 20_000 and result["phrases"] > 100
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert result["full_check_replies"] == 2_000 and result["full_check_replies_per_second"] > 0
    assert "str.find" in err  # progress goes to stderr


async def test_quick_cases_bench_times_the_overdue_first_list(
    kefu_cli, settings, monkeypatch, tmp_path
):
    """On SQLite the shop is built in the cache directory; on PostgreSQL in a scratch
    database on the test server (dropped afterwards)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    arguments = ["bench", "cases", "--quick", "--cases", "300"]
    on_postgres = settings.database_url.startswith("postgresql")
    if on_postgres:
        arguments += ["--database-url", settings.database_url]
    code, out, err = await kefu_cli(*arguments)
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert (result["bench"], result["metric"], result["unit"]) == (
        "cases",
        "overdue_first_p95_ms",
        "ms",
    )
    assert result["database"] == ("postgresql" if on_postgres else "sqlite")
    assert result["cases"] == 300 and result["page_size"] == 25
    assert result["value"] > 0 and result["baseline_value"] > 0 and result["ratio"] > 0
    assert "timeline events" in err


async def test_cases_bench_refuses_a_shop_smaller_than_a_page(kefu_cli):
    code, _out, err = await kefu_cli("bench", "cases", "--quick", "--cases", "3")
    assert code != 0
    assert "--cases takes at least 25" in err
