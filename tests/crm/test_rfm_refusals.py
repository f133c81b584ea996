"""``kefu rfm`` refuses bad files with one line naming the column or line, exit code 1,
and nothing on stdout."""

from __future__ import annotations

import pytest

from tests.crm.conftest import HEADER, LINES, rfm, rfm_process, write_csv


def refused(*args) -> str:
    result = rfm(*args)
    assert result.code == 1, result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    return result.stderr


def test_missing_column_is_named(tmp_path):
    path = write_csv(tmp_path / "no_date.csv", ["customer_id", "order_id", "amount"], [])
    assert "has no column ordered_at" in refused(path)


def test_missing_money_columns_are_named(tmp_path):
    header = ["customer_id", "order_id", "ordered_at", "quantity"]
    message = refused(write_csv(tmp_path / "no_price.csv", header, []))
    assert "has no column amount (or quantity and unit_price)" in message


def test_map_to_a_column_the_file_lacks_is_named(orders_csv):
    message = refused(orders_csv, "--map", "customer_id=CustomerID")
    assert "'CustomerID'" in message and "customer_id" in message


def test_map_of_an_unknown_field_is_refused(orders_csv):
    assert "unknown column 'buyer'" in refused(orders_csv, "--map", "buyer=买家")


def test_bad_date_names_its_line_and_column(tmp_path):
    rows = [*LINES[:2], ["王芳", "E1010", "下周三", "1", "5"], *LINES[2:]]
    message = refused(write_csv(tmp_path / "bad_date.csv", HEADER, rows))
    assert "line 4: ordered_at: '下周三' is not a date" in message


@pytest.mark.parametrize("text", ["13/1/2011 8:26", "2011-02-30", "2011-12-09 25:00", "1323388800"])
def test_ambiguous_or_impossible_dates_are_refused_not_guessed(tmp_path, text):
    rows = [["王芳", "E1", text, "1", "5"]]
    message = refused(write_csv(tmp_path / "d.csv", HEADER, rows))
    assert f"line 2: ordered_at: '{text}' is not a date" in message


def test_bad_date_in_a_mapped_column_names_their_column_too(tmp_path):
    header = ["buyer", "order", "time", "qty", "price"]
    rows = [["C1", "E1", "2011-12-09", "1", "5"], ["C1", "E2", "yesterday", "1", "5"]]
    path = write_csv(tmp_path / "m.csv", header, rows)
    maps = "customer_id=buyer order_id=order ordered_at=time quantity=qty unit_price=price"
    assert "line 3: time (ordered_at): 'yesterday'" in refused(path, "--map", maps)


def test_bad_number_names_its_line(tmp_path):
    rows = [["王芳", "E1", "2026-03-01", "两件", "5"]]
    assert "line 2: quantity: '两件' is not a number" in refused(
        write_csv(tmp_path / "n.csv", HEADER, rows)
    )


def test_empty_order_id_of_a_customer_line_is_refused(tmp_path):
    rows = [["王芳", "E1", "2026-03-01", "1", "5"], ["王芳", " ", "2026-03-01", "1", "5"]]
    assert "line 3: order_id is empty" in refused(write_csv(tmp_path / "o.csv", HEADER, rows))


def test_lines_without_customer_are_skipped_unread(tmp_path):
    rows = [["王芳", "E1", "2026-03-01", "1", "5"], ["", "", "合计", "", "5"]]
    result = rfm(write_csv(tmp_path / "footer.csv", HEADER, rows))
    assert result.code == 0, result.stderr
    assert "1 with an empty customer_id" in result.stderr


def test_missing_file_and_bad_as_of(tmp_path, orders_csv):
    assert "does not exist" in refused(tmp_path / "nope.csv")
    assert "--as-of wants a date like 2011-12-10, got '2026/03/31'" in refused(
        orders_csv, "--as-of", "2026/03/31"
    )


def test_xlsx_is_refused_with_advice(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["customer_id", "order_id", "ordered_at", "amount"])
    book.save(tmp_path / "订单.xlsx")
    assert "is a ZIP or XLSX file; save it as CSV" in refused(tmp_path / "订单.xlsx")


def test_refusal_exit_code_as_a_process(tmp_path):
    path = write_csv(tmp_path / "no_date.csv", ["customer_id", "order_id", "amount"], [])
    code, out, err = rfm_process(path)
    assert (code, out) == (1, b"")
    assert err.startswith("error: ") and "ordered_at" in err


def test_the_first_bad_line_is_named_whatever_the_values(tmp_path):
    rows = [["王芳", f"E{i}", "2026-03-01", "1", "5"] for i in range(200)]
    rows[150][2], rows[40][2], rows[90][2] = "周一", "周二", ""
    message = refused(write_csv(tmp_path / "many.csv", HEADER, rows))
    assert "line 42: ordered_at: '周二' is not a date" in message
    rows[40][2] = "2026-03-01"
    assert "line 92: ordered_at is empty" in refused(write_csv(tmp_path / "m2.csv", HEADER, rows))


def test_empty_and_overly_precise_numbers_are_refused(tmp_path):
    rows = [["王芳", "E1", "2026-03-01", "1", "5"], ["王芳", "E2", "2026-03-01", "", "5"]]
    assert "line 3: quantity is empty" in refused(write_csv(tmp_path / "e.csv", HEADER, rows))
    rows[1][3] = "0.0000000000001"
    message = refused(write_csv(tmp_path / "p.csv", HEADER, rows))
    assert "line 3: quantity: '0.0000000000001' has more than 12 decimal places" in message


def test_broken_csv_is_refused_with_the_line(tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        "customer_id,order_id,ordered_at,amount\nC1,E1,2026-03-01,5\nC2,E2,2026-03-01,5,9\n",
        encoding="utf-8",
    )
    assert "line 3: 5 fields where the header has 4" in refused(ragged)
    unclosed = tmp_path / "quote.csv"
    unclosed.write_text(
        'customer_id,order_id,ordered_at,amount\nC1,"E1,2026-03-01,5\nC3,E3,2026-03-01,4\n',
        encoding="utf-8",
    )
    assert "line 2: not valid CSV" in refused(unclosed)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "'empty.csv' is not a readable CSV file: empty CSV" in refused(empty)
