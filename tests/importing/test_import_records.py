"""Importing products, customers and shipments files, and exporting what imports back."""

from __future__ import annotations

import csv
import io

from tests.importing.conftest import ORDER_MAP, write_csv, write_xlsx

PRODUCTS = (
    ["external_id", "title", "category", "price", "stock", "attributes"],
    [
        ["P-1001", "纯棉短袖T恤 男款 白色", "服装", "79.90", "120", '{"尺码表": {"M": "165-170"}}'],
        ["P-2001", "保湿精华液 30ml", "美妆", "159", "", ""],
        ["P-3001", "蓝牙耳机 降噪版", "数码", "一百", "5", ""],
        ["P-1001", "重复的商品", "服装", "1.00", "1", ""],
    ],
)
CUSTOMERS = (
    ["会员编号", "姓名", "手机", "邮箱", "标签", "渠道身份"],
    [
        [
            "C-8801",
            "张伟",
            "13812345678",
            "zhangwei@example.com",
            "VIP，老客户",
            "taobao:zhangwei_tb",
        ],
        ["C-8802", "李娜", "13998765432", "lina-at-example.com", "", ""],
        ["C-8803", "王芳", "", "", "新客", "wechat:wx_wangfang,taobao:fangfang"],
    ],
)
CUSTOMER_MAP = [
    "external_id=会员编号",
    "name=姓名",
    "phone=手机",
    "email=邮箱",
    "tags=标签",
    "identities=渠道身份",
]


async def test_products_file_with_decimal_prices_and_problems(importer, tmp_path, client, owen):
    path = write_csv(tmp_path / "商品.csv", *PRODUCTS)
    result, problems = await importer("products", path)
    assert (result.created, result.lines_read) == (2, 4)
    assert problems.rows() == [
        (4, "price", "'一百' is not a number"),
        (5, "external_id", "'P-1001' appears on an earlier line"),
    ]
    items = (await client.as_(owen).get("/api/v1/products")).json()["items"]
    assert [(p["sku"], p["price_cents"], p["stock"]) for p in items] == [
        ("P-1001", 7990, 120),
        ("P-2001", 15900, 0),
    ]
    assert items[0]["attributes"] == {"尺码表": {"M": "165-170"}}
    again, _ = await importer("products", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


async def test_products_with_numbers_too_large_to_store_are_skipped_per_line(importer, tmp_path):
    header, rows = PRODUCTS
    rows = [rows[0], ["P-4001", "保温杯", "数码", "100000000000000000000", "1", ""]]
    rows.append(["P-5001", "羊毛围巾", "服装", "199", "3000000000", ""])
    result, problems = await importer("products", write_csv(tmp_path / "大数.csv", header, rows))
    assert result.created == 1
    assert problems.rows() == [(3, "price", "too large"), (4, "stock", "larger than 2147483647")]


async def test_customers_xlsx_with_tags_and_identities(importer, tmp_path, client, carol):
    path = write_xlsx(tmp_path / "会员.xlsx", *CUSTOMERS)
    result, problems = await importer("customers", path, CUSTOMER_MAP)
    assert result.created == 2
    assert problems.rows() == [(3, "email", "'lina-at-example.com' is not an e-mail address")]
    items = (await client.as_(carol).get("/api/v1/customers")).json()["items"]
    assert items[0]["tags"] == ["VIP", "老客户"]
    assert items[0]["phone"] == "13812345678"  # a number in the sheet, read back as text
    assert {i["channel"] for i in items[1]["identities"]} == {"wechat", "taobao"}
    again, _ = await importer("customers", path, CUSTOMER_MAP)
    assert again.unchanged == 2


async def test_shipments_file_one_row_per_tracking_event(
    importer, orders_csv, tmp_path, client, owen
):
    await importer("orders", orders_csv, ORDER_MAP)
    header = [
        "external_id",
        "order_external_id",
        "carrier",
        "tracking_no",
        "status",
        "event_at",
        "event_status",
        "event_location",
        "event_description",
    ]
    rows = [
        [
            "SF-1",
            "E20260301001",
            "顺丰速运",
            "SF1234567890",
            "in_transit",
            "2026-03-02 08:00:00",
            "pending",
            "杭州",
            "快件已揽收",
        ],
        [
            "SF-1",
            "E20260301001",
            "顺丰速运",
            "SF1234567890",
            "in_transit",
            "2026-03-02 20:00:00",
            "in_transit",
            "杭州转运中心",
            "快件已发往上海",
        ],
        ["YT-9", "E-404", "圆通速递", "YT0000001", "pending", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "物流.csv", header, rows)
    result, problems = await importer("shipments", path)
    assert result.created == 1
    assert problems.rows() == [(4, "order_external_id", "unknown order_external_id 'E-404'")]
    [shipment] = (await client.as_(owen).get("/api/v1/shipments")).json()["items"]
    assert [e["description"] for e in shipment["events"]] == ["快件已揽收", "快件已发往上海"]
    again, _ = await importer("shipments", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


async def test_exported_orders_import_back_unchanged(importer, orders_csv, tmp_path, kefu_cli):
    await importer("orders", orders_csv, ORDER_MAP)
    code, out, _ = await kefu_cli("export", "orders", "--shop", "acme")
    assert code == 0
    exported = list(csv.DictReader(io.StringIO(out)))
    assert len(exported) == 4
    assert exported[0]["placed_at"] == "2026-03-01T10:15:00+08:00"
    assert exported[0]["unit_price"] == "79.90"
    path = tmp_path / "导出.csv"
    path.write_text(out, encoding="utf-8")
    result, problems = await importer("orders", path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert problems.is_empty()


async def test_exported_customers_and_products_xlsx_import_back(importer, tmp_path, kefu_cli):
    await importer("customers", write_xlsx(tmp_path / "会员.xlsx", *CUSTOMERS), CUSTOMER_MAP)
    await importer("products", write_csv(tmp_path / "商品.csv", *PRODUCTS))
    for kind in ("customers", "products"):
        path = tmp_path / f"{kind}.xlsx"
        code, _, err = await kefu_cli(
            "export", kind, "--shop", "acme", "--format", "xlsx", "-o", str(path)
        )
        assert code == 0, err
        result, problems = await importer(kind, path)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2), kind
        assert problems.is_empty()
