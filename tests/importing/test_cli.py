"""``kefu import`` and ``kefu export`` from the command line: reports and refusals."""

from __future__ import annotations

import csv

from tests.importing.conftest import ORDER_MAP


async def test_import_prints_a_summary_and_writes_the_problem_report(
    kefu_cli, personas, orders_csv, tmp_path
):
    errors = tmp_path / "问题.csv"
    code, out, err = await kefu_cli(
        "import",
        "orders",
        str(orders_csv),
        "--shop",
        "acme",
        "--map",
        *ORDER_MAP,
        "--errors",
        str(errors),
    )
    assert code == 0, err
    assert "4 of 6 lines imported" in out
    assert "3 created" in out and "2 new customers" in out
    assert "line 6: quantity: '两双' is not a whole number" in out
    with errors.open(encoding="utf-8") as report:
        rows = list(csv.DictReader(report))
    assert [(r["line"], r["field"]) for r in rows] == [("5", "unit_price"), ("6", "quantity")]
    again_code, again, _ = await kefu_cli(
        "import", "orders", str(orders_csv), "--shop", "acme", "--map", " ".join(ORDER_MAP)
    )
    assert again_code == 0
    assert "0 created, 0 updated, 3 unchanged" in again


async def test_import_refusals_are_one_readable_line_and_a_non_zero_exit(
    kefu_cli, personas, orders_csv, tmp_path
):
    cases = [
        (["orders", str(tmp_path / "没有.csv"), "--shop", "acme"], "does not exist"),
        (
            ["orders", str(orders_csv), "--shop", "nobody", "--map", *ORDER_MAP],
            "shop 'nobody' not found",
        ),
        (
            ["orders", str(orders_csv), "--shop", "acme", "--map", "colour=颜色"],
            "unknown field 'colour'",
        ),
        (
            ["orders", str(orders_csv), "--shop", "acme", "--map", "sku=货号"],
            "column '货号' given in --map is not in the file",
        ),
        (["orders", str(orders_csv), "--shop", "acme", "--map", "sku"], "ours=theirs"),
        (["coupons", str(orders_csv), "--shop", "acme"], "cannot import 'coupons'"),
        (
            ["orders", str(orders_csv), "--shop", "acme", "--timezone", "Mars/Base"],
            "unknown time zone",
        ),
    ]
    for args, message in cases:
        code, _, err = await kefu_cli("import", *args)
        assert code != 0, args
        assert message in err, (args, err)
        assert "Traceback" not in err


async def test_export_refusals(kefu_cli, personas):
    code, _, err = await kefu_cli("export", "orders", "--shop", "nobody")
    assert code != 0 and "shop 'nobody' not found" in err
    code, _, err = await kefu_cli("export", "coupons", "--shop", "acme")
    assert code != 0 and "cannot export 'coupons'" in err
    code, _, err = await kefu_cli("export", "orders", "--shop", "acme", "--format", "xlsx")
    assert code != 0 and "needs -o FILE" in err
