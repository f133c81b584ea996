"""Importing orders files: Chinese rows in CSV, gzipped CSV and XLSX, problems reported
by line and field, all-or-nothing on fatal errors, and re-imports that change nothing."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import select

from kefu.errors import DomainError
from kefu.models import AuditEntry
from tests.importing.conftest import ORDER_HEADER, ORDER_MAP, ORDER_ROWS, write_csv, write_xlsx


async def test_orders_file_imports_with_exact_cents_and_reports_bad_lines(
    importer, orders_csv, client, owen
):
    result, problems = await importer("orders", orders_csv, ORDER_MAP)
    assert (result.lines_read, result.lines_imported) == (6, 4)
    assert (result.created, result.customers_created) == (3, 2)
    assert problems.rows() == [
        (5, "unit_price", "price is 0 (free or adjustment line)"),
        (6, "quantity", "'两双' is not a whole number"),
    ]
    orders = (await client.as_(owen).get("/api/v1/orders")).json()["items"]
    by_number = {o["external_id"]: o for o in orders}
    first = by_number["E20260301001"]
    assert first["total_cents"] == 2 * 7990 + 15900
    assert first["placed_at"] == "2026-03-01T02:15:00Z"  # acme's time zone is Asia/Shanghai
    assert first["status"] == "completed"
    assert by_number["E20260302002"]["total_cents"] == 19999
    refund = by_number["C20260304004"]
    assert (refund["status"], refund["lines"][0]["quantity"]) == ("cancelled", 1)


async def test_reimporting_the_same_file_changes_nothing(importer, orders_csv, counts, session):
    first, _ = await importer("orders", orders_csv, ORDER_MAP)
    before = await counts()
    again, problems = await importer("orders", orders_csv, ORDER_MAP)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert again.customers_created == 0
    assert again.skipped == first.skipped and problems.height == 2
    after = await counts()
    assert after == before | {"audit_entries": before["audit_entries"] + 1}
    entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [e.action for e in entries[-2:]] == ["order.import", "order.import"]
    assert entries[-1].after["source"].endswith("订单.csv")
    assert entries[-1].after["unchanged"] == 3
    assert entries[-1].actor_label.startswith("kefu import")


async def test_a_changed_line_updates_its_order_only(importer, orders_csv, tmp_path, client, owen):
    await importer("orders", orders_csv, ORDER_MAP)
    rows = [list(r) for r in ORDER_ROWS]
    rows[0][5] = "3"
    changed = write_csv(tmp_path / "订单-改.csv", ORDER_HEADER, rows)
    result, _ = await importer("orders", changed, ORDER_MAP)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    orders = (await client.as_(owen).get("/api/v1/orders", params={"q": "0301"})).json()
    assert orders["items"][0]["total_cents"] == 3 * 7990 + 15900
    assert [line["quantity"] for line in orders["items"][0]["lines"]] == [3, 1]


@pytest.mark.parametrize("suffix", [".csv.gz", ".xlsx", "-gbk.csv"])
async def test_gzip_xlsx_and_gbk_read_the_same_as_csv(importer, orders_csv, tmp_path, suffix):
    """GBK: what Excel in China saves as CSV."""
    await importer("orders", orders_csv, ORDER_MAP)
    path = tmp_path / f"订单{suffix}"
    if suffix == ".xlsx":
        other = write_xlsx(path, ORDER_HEADER, ORDER_ROWS)
    else:
        encoding = "gbk" if "gbk" in suffix else "utf-8"
        other = write_csv(path, ORDER_HEADER, ORDER_ROWS, encoding)
    result, problems = await importer("orders", other, ORDER_MAP)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert [(line, field) for line, field, _ in problems.rows()] == [
        (5, "unit_price"),
        (6, "quantity"),
    ]


async def test_a_file_without_a_required_column_imports_nothing(importer, tmp_path, counts):
    before = await counts()
    header = [h for h in ORDER_HEADER if h != "数量"]
    rows = [r[:5] + r[6:] for r in ORDER_ROWS]
    path = write_csv(tmp_path / "缺列.csv", header, rows)
    with pytest.raises(DomainError) as error:
        await importer("orders", path, [m for m in ORDER_MAP if not m.startswith("quantity")])
    assert error.value.field == "quantity"
    assert "no column 'quantity'" in error.value.message
    assert await counts() == before


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
async def test_a_broken_gzip_imports_nothing(importer, tmp_path, counts, damage):
    whole = bytearray(
        gzip.compress(("\n".join(",".join(r) for r in [ORDER_HEADER, *ORDER_ROWS * 200])).encode())
    )
    if damage == "truncated":
        whole = whole[: len(whole) // 2]
    else:
        whole[len(whole) // 2] ^= 0xFF
    path = tmp_path / "断了.csv.gz"
    path.write_bytes(whole)
    before = await counts()
    with pytest.raises(DomainError) as error:
        await importer("orders", path, ORDER_MAP)
    assert error.value.field == "file"
    assert await counts() == before


async def test_an_error_while_writing_rolls_back_the_customers_it_created(
    importer, tmp_path, counts
):
    header = [*ORDER_HEADER, "商品ID"]
    rows = [[*r, "P-404"] for r in ORDER_ROWS]
    path = write_csv(tmp_path / "未知商品.csv", header, rows)
    before = await counts()
    with pytest.raises(DomainError) as error:
        await importer("orders", path, [*ORDER_MAP, "product_external_id=商品ID"])
    assert error.value.field == "product_external_id"
    assert "P-404" in error.value.message
    assert await counts() == before  # not even the customers created on the way


async def test_an_explicit_status_column_wins_over_the_cancel_prefix(
    importer, tmp_path, client, owen
):
    header = [*ORDER_HEADER, "状态"]
    rows = [[*ORDER_ROWS[0], "paid"], [*ORDER_ROWS[2], "已付款"]]
    path = write_csv(tmp_path / "状态.csv", header, rows)
    result, problems = await importer("orders", path, [*ORDER_MAP, "status=状态"])
    assert result.created == 1
    [(line, field, reason)] = problems.rows()
    assert (line, field) == (3, "status") and "已付款" in reason
    [order] = (await client.as_(owen).get("/api/v1/orders")).json()["items"]
    assert order["status"] == "paid"


async def test_values_too_long_for_the_database_are_skipped_per_line(importer, tmp_path):
    rows = [list(r) for r in ORDER_ROWS[:3]]
    rows[1][4] = "超长的商品名称" * 50
    path = write_csv(tmp_path / "超长.csv", ORDER_HEADER, rows)
    result, problems = await importer("orders", path, ORDER_MAP)
    assert result.lines_imported == 2
    assert problems.rows() == [(3, "title", "longer than 300 characters")]


async def test_numbers_too_large_for_the_database_are_skipped_per_line(importer, tmp_path):
    rows = [list(r) for r in ORDER_ROWS[:3]]
    rows.append(["E20260305005", "C-8802", "2026-03-05 09:00:00", "TEA-01", "西湖龙井", "1", "268"])
    rows[0][5] = "3000000000"  # quantity beyond a 32-bit count
    rows[1][6] = "100000000000000000000"  # price beyond 64-bit cents
    rows[2][5] = "1000000"  # quantity × price beyond 64-bit cents
    rows[2][6] = "99999999999999.99"
    path = write_csv(tmp_path / "天文数字.csv", ORDER_HEADER, rows)
    result, problems = await importer("orders", path, ORDER_MAP)
    assert result.lines_imported == 1
    assert [(line, field) for line, field, _ in problems.rows()] == [
        (2, "quantity"),
        (3, "unit_price"),
        (4, "quantity"),
    ]


async def test_a_promised_delivery_time_is_imported_in_shop_time(importer, tmp_path, client, owen):
    header = [*ORDER_HEADER, "承诺送达"]
    rows = [[*ORDER_ROWS[2], "2026-03-05 18:00:00"], [*ORDER_ROWS[0], "下周"]]
    path = write_csv(tmp_path / "承诺.csv", header, rows)
    result, problems = await importer("orders", path, [*ORDER_MAP, "promised_at=承诺送达"])
    assert result.created == 1
    [(line, field, _reason)] = problems.rows()
    assert (line, field) == (3, "promised_at")
    [order] = (await client.as_(owen).get("/api/v1/orders")).json()["items"]
    assert order["promised_at"] == "2026-03-05T10:00:00Z"  # Asia/Shanghai
