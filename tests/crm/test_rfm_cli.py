"""``kefu rfm FILE [--as-of YYYY-MM-DD] [--map ours=theirs …]``: the contract used by
external evaluation, checked on a file worked out by hand (conftest.LINES)."""

from __future__ import annotations

import csv
import gzip
import io

from tests.crm.conftest import EXPECTED, HEADER, LINES, SKIPPED, rfm, rfm_process, write_csv

RETAIL_HEADER = ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"]
RETAIL_MAP = [
    "customer_id=CustomerID",
    "order_id=InvoiceNo",
    "ordered_at=InvoiceDate",
    "quantity=Quantity",
    "unit_price=UnitPrice",
]


def as_retail(row: list[str]) -> list[str]:
    customer, order, ordered_at, quantity, price = row
    return [order, "85123A", quantity, ordered_at, price, customer]


def test_prints_the_hand_computed_table_byte_for_byte(orders_csv):
    code, out, err = rfm_process(orders_csv)
    assert code == 0, err
    assert out == EXPECTED.encode("utf-8")
    assert SKIPPED in err
    assert "4 customers as of 2026-03-21" in err


def test_gzipped_file_with_online_retail_columns_through_map(tmp_path):
    path = write_csv(tmp_path / "retail.csv.gz", RETAIL_HEADER, [as_retail(r) for r in LINES])
    assert gzip.decompress(path.read_bytes()).startswith(b"InvoiceNo,")
    result = rfm(path, "--map", *RETAIL_MAP)
    assert result.code == 0, result.stderr
    assert result.stdout == EXPECTED


def test_map_pairs_may_come_as_repeated_options_or_in_one_quoted_option(tmp_path):
    path = write_csv(tmp_path / "retail.csv", RETAIL_HEADER, [as_retail(r) for r in LINES])
    repeated = [arg for pair in RETAIL_MAP for arg in ("--map", pair)]
    assert rfm(path, *repeated).stdout == EXPECTED
    assert rfm("--map", " ".join(RETAIL_MAP), path).stdout == EXPECTED
    assert rfm("--map", *RETAIL_MAP, path, "--as-of", "2026-03-21").stdout == EXPECTED
    assert rfm(f"--map={RETAIL_MAP[0]}", *RETAIL_MAP[1:], path).stdout == EXPECTED


def test_as_of_sets_the_day_recency_counts_from(orders_csv):
    result = rfm(orders_csv, "--as-of", "2026-03-31")
    assert result.code == 0, result.stderr
    recency = {row.split(",")[0]: row.split(",")[1] for row in result.stdout.splitlines()[1:]}
    assert recency == {"李雷": "16", "王芳": "11", "赵敏": "21", "韩梅梅": "13"}
    assert "as of 2026-03-31" in result.stderr


def test_orders_after_the_as_of_date_count_with_negative_recency(orders_csv):
    result = rfm(orders_csv, "--as-of", "2026-03-16")
    assert result.code == 0, result.stderr
    assert "\n王芳,-4,2,318.81," in result.stdout and "\n李雷,1,2,259.96," in result.stdout
    assert "note: 2 customers ordered after the as-of date" in result.stderr


def test_amount_column_is_used_as_is(tmp_path):
    rows = [
        ["C-8801", "A1", "2026-03-01", "100.005"],
        ["C-8801", "A2", "2026-03-02", "0.000"],
        ["C-8802", "A3", "2026-03-02", "-20"],
        ["C-8802", "A4", "2026-03-02", "1,234.50"],
    ]
    path = write_csv(
        tmp_path / "amounts.csv", ["customer_id", "order_id", "ordered_at", "amount"], rows
    )
    result = rfm(path)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "C-8801,2,1,100.01,2,3,2,fading",
        "C-8802,1,1,1234.50,4,3,4,core",
    ]
    assert "2 skipped: 0 with an empty customer_id, 2 with an amount of 0 or less" in result.stderr


def test_output_does_not_depend_on_line_order(tmp_path, orders_csv):
    reversed_file = write_csv(tmp_path / "reversed.csv", HEADER, LINES[::-1])
    assert rfm(reversed_file).stdout == rfm(orders_csv).stdout == EXPECTED


def test_customer_ids_are_trimmed_but_otherwise_kept_as_written(tmp_path):
    rows = [
        ["12346.0", "1", "2011-01-18", "1", "10"],
        ["12346", "2", "2011-01-18", "1", "20"],
        [" Acme, Inc ", "3", "2011-01-18", "1", "30"],
    ]
    result = rfm(write_csv(tmp_path / "ids.csv", HEADER, rows))
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert [row[0] for row in table[1:]] == ["12346", "12346.0", "Acme, Inc"]
    assert '\n"Acme, Inc",' in result.stdout


def test_gbk_file_from_excel_is_read(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", HEADER, LINES, encoding="gb18030")
    assert rfm(path).stdout == EXPECTED
    chinese = ["买家ID", "订单号", "下单时间", "数量", "单价"]
    path = write_csv(tmp_path / "gbk_header.csv", chinese, LINES, encoding="gb18030")
    maps = "customer_id=买家ID order_id=订单号 ordered_at=下单时间 quantity=数量 unit_price=单价"
    assert rfm(path, "--map", maps).stdout == EXPECTED


def test_latin1_bytes_in_an_unused_column_do_no_harm(tmp_path):
    header = [*HEADER, "Description"]
    rows = [[*row, "CAFÉ CRÈME MUG £"] for row in LINES if row[0].isascii()]
    rows += [["12346", "E1", "2011-01-18", "1", "10", "CAFÉ CRÈME MUG £"]]
    path = write_csv(tmp_path / "latin1.csv", header, rows, encoding="latin-1")
    result = rfm(path)
    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1] == "12346,1,1,10.00,3,3,3,core"


def test_header_only_file_prints_the_header(tmp_path):
    result = rfm(write_csv(tmp_path / "empty.csv", HEADER, []))
    assert result.code == 0, result.stderr
    assert result.stdout == EXPECTED.splitlines(keepends=True)[0]
