"""Helpers for message-understanding tests: ``kefu intent …`` as a shopper-facing tool
reads it (bytes on stdin, bytes on stdout), small labelled files written by the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kefu.cli import app as cli_app

REPO = Path(__file__).resolve().parents[2]
HELDOUT = Path(__file__).resolve().parent / "heldout_zh.jsonl"


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def kefu_process(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """``python -m kefu …`` in a new process, as external evaluation runs it."""
    env = os.environ | {"PYTHONPATH": str(REPO), "PYTHONIOENCODING": "ascii"}
    return subprocess.run(
        [sys.executable, "-m", "kefu", *args], input=stdin, capture_output=True, env=env
    )


@pytest.fixture
def kefu_intent():
    """Run ``kefu intent …`` in-process with ``stdin`` bytes; (exit code, stdout, stderr)."""

    def run(*args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        result = CliRunner().invoke(cli_app, ["intent", *args], input=stdin)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def shop_examples(tmp_path: Path) -> Path:
    """A shop's own three-label file (labels unlike ours) with a "msg"/"tag" layout."""
    rows = []
    for text in ["这个沙发有几种颜色", "沙发是真皮吗", "布艺的能水洗吗", "坐垫是海绵的吗"]:
        rows.append({"msg": text, "tag": "材质"})
    for text in ["几天能送到", "送货上门吗", "包安装吗 几天到", "能送到楼上吗"]:
        rows.append({"msg": text, "tag": "配送"})
    for text in ["能分期吗", "可以刷信用卡吗", "支持花呗吗", "付定金可以吗"]:
        rows.append({"msg": text, "tag": "付款"})
    path = tmp_path / "shop.jsonl"
    path.write_bytes(jsonl(rows))
    return path
