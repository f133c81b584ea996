"""Helpers for import tests: files written by the tests, imports run through the same
service the CLI uses, and the CLI itself run in a worker thread (it starts its own loop)."""

from __future__ import annotations

import asyncio
import csv
import gzip
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kefu.cli import app as cli_app
from kefu.importing.service import ImportRequest, Silent, run_import
from kefu.models import AuditEntry, Customer, Order, OrderLine

ORDER_HEADER = ["订单号", "买家ID", "下单时间", "商品编码", "商品名称", "数量", "单价"]
ORDER_MAP = [
    "external_id=订单号",
    "customer_external_id=买家ID",
    "placed_at=下单时间",
    "sku=商品编码",
    "title=商品名称",
    "quantity=数量",
    "unit_price=单价",
]
ORDER_ROWS = [
    [
        "E20260301001",
        "C-8801",
        "2026-03-01 10:15:00",
        "TS-WHT-M",
        "纯棉短袖T恤 白色 M",
        "2",
        "79.90",
    ],
    ["E20260301001", "C-8801", "2026-03-01 10:15:00", "SERUM-30", "保湿精华液 30ml", "1", "159.00"],
    ["E20260302002", "C-8802", "2026-03-02 21:40:00", "EAR-01", "蓝牙耳机 降噪版", "1", "199.99"],
    ["E20260302002", "C-8802", "2026-03-02 21:40:00", "GIFT-BAG", "赠品 礼品袋", "1", "0"],
    ["E20260303003", "", "2026-03-03 08:05:00", "SOCK-3", "船袜 三双装", "两双", "29.90"],
    [
        "C20260304004",
        "C-8801",
        "2026-03-04 12:00:00",
        "TS-WHT-M",
        "纯棉短袖T恤 白色 M",
        "-1",
        "79.90",
    ],
]


def write_csv(
    path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="", encoding=encoding) as out:  # type: ignore[operator]
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([_as_excel(v) for v in row])
    book.save(path)
    return path


def _as_excel(value: str) -> object:
    """Numbers as numbers, like a spreadsheet a shop would send."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value or None


@pytest.fixture
def orders_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "订单.csv", ORDER_HEADER, ORDER_ROWS)


@pytest.fixture
def importer(sessionmaker, personas):
    async def run(kind: str, path: Path, mapping=(), shop: str = "acme", **options):
        request = ImportRequest(kind, path, shop, list(mapping), **options)
        return await run_import(sessionmaker, request, Silent())

    return run


@pytest.fixture
def counts(sessionmaker):
    async def count() -> dict[str, int]:
        async with sessionmaker() as session:
            return {
                model.__tablename__: await session.scalar(select(func.count()).select_from(model))
                for model in (Order, OrderLine, Customer, AuditEntry)
            }

    return count


@pytest.fixture
def kefu_cli(settings, monkeypatch):
    """Run ``kefu …`` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KEFU_DATA_DIR", str(settings.data_dir))

    async def run(*args: str) -> tuple[int, str, str]:
        runner = CliRunner()
        result = await asyncio.to_thread(runner.invoke, cli_app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run
