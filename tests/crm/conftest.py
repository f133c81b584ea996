"""Order-line files for ``kefu rfm`` tests, and the CLI run in-process or as a process."""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app as cli_app

HEADER = ["customer_id", "order_id", "ordered_at", "quantity", "unit_price"]
# Worked by hand in docs/rfm.md ("A worked example"); the expected output is EXPECTED.
LINES = [
    ["王芳", "E1001", "2026-03-01 10:15:00", "2", "79.90"],
    ["王芳", "E1001", "2026-03-01 10:15:00", "1", "159.00"],
    ["王芳", "E1007", "2026-03-20 21:40:00", "1", "0.005"],
    ["李雷", "E1002", "3/2/2026 8:26", "3", "19.99"],
    ["李雷", "E1003", "2026/03/15", "1", "199.99"],
    ["", "E1004", "2026-03-16", "1", "10"],
    ["韩梅梅", "E1005", "2026-03-18T09:00:00+08:00", "1", "299"],
    ["韩梅梅", "C1005", "2026-03-19", "-1", "299"],
    ["赵敏", "E1006", "2026年3月10日", "5", "12.50"],
    ["钱多多", "E1008", "2026-03-21", "0", "15"],
    ["  赵敏  ", "E1009", "2026-03-10 23:59", "1", "37.50"],
]
EXPECTED = (
    "customer_id,recency_days,frequency,monetary,r,f,m,segment\n"
    "李雷,6,2,259.96,2,4,2,fading\n"
    "王芳,1,2,318.81,5,4,5,core\n"
    "赵敏,11,2,100.00,1,4,1,fading\n"
    "韩梅梅,3,1,299.00,4,1,4,potential\n"
)
SKIPPED = "11 lines read, 3 skipped: 1 with an empty customer_id, 2 with an amount of 0 or less"


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode(encoding)
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


@pytest.fixture
def orders_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "订单明细.csv", HEADER, LINES)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def rfm(*args: str | Path) -> Run:
    """``kefu rfm …`` in-process."""
    result = CliRunner().invoke(cli_app, ["rfm", *map(str, args)])
    return Run(result.exit_code, result.stdout, result.stderr)


def rfm_process(*args: str | Path) -> tuple[int, bytes, str]:
    """``python -m kefu rfm …`` as a person runs it: exit code, stdout bytes, stderr."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "kefu", "rfm", *map(str, args)],
        capture_output=True,
        env=env,
        check=False,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr.decode("utf-8")
