"""``kefu qa check``: the JSON Lines contract external evaluation relies on, run as a
person runs it (a new process, bytes on stdin and stdout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def qa_check(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "kefu", "qa", "check", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_each_line_comes_back_in_order_with_every_field_and_findings_and_spans_added():
    lines = [
        {"id": 1, "text": "这都不懂吗？", "context": "怎么下单", "agent": {"name": "小王"}},
        {"text": "好的，已经为您备注周末送货"},
        {"text": "這個沒辦法退，不過可以給您換貨", "context": None},
    ]
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
    done = qa_check(stdin)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode("utf-8").splitlines()
    assert len(out) == 3
    first = json.loads(out[0])
    assert list(first) == ["id", "text", "context", "agent", "findings", "spans"]
    assert first["findings"] == ["contempt"]
    assert first["spans"] == [
        {"code": "contempt", "start": 0, "end": 4, "text": "这都不懂", "rule": "phrase:这都不懂"}
    ]
    assert out[1] == '{"text": "好的，已经为您备注周末送货", "findings": [], "spans": []}'
    assert json.loads(out[2]) == lines[2] | {"findings": [], "spans": []}


def test_bad_lines_are_named_on_stderr_and_nothing_is_written():
    stdin = '{"text": "您好"}\n{"text": 3}\nnot json\n\n[1]\n{"text": "好", "context": 5}\n'
    done = qa_check(stdin.encode())
    assert done.returncode != 0
    assert done.stdout == b""
    errors = done.stderr.decode().splitlines()
    assert errors == [
        'error: line 2: "text" must be present and a string',
        "error: line 3: not valid JSON (Expecting value at column 1)",
        "error: line 5: expected a JSON object",
        'error: line 6: "context" must be a string or null',
    ]


def test_invalid_utf8_is_a_bad_line_not_a_traceback():
    done = qa_check(b'{"text": "ok"}\n{"text": "\xff"}\n')
    assert done.returncode != 0 and done.stdout == b""
    assert done.stderr.decode() == "error: line 2: not valid UTF-8\n"


def test_empty_input_gives_empty_output():
    done = qa_check(b"")
    assert (done.returncode, done.stdout) == (0, b"")


def test_a_shop_dictionary_extends_the_check(tmp_path):
    extra = tmp_path / "shop.json"
    extra.write_text('{"codes": {"quarrel": {"phrases": ["不服来战"]}}}', encoding="utf-8")
    done = qa_check('{"text": "不服来战"}\n'.encode(), "--dictionary", str(extra))
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["findings"] == ["quarrel"]
    missing = qa_check(b'{"text": "ok"}\n', "--dictionary", str(tmp_path / "none.json"))
    assert missing.returncode != 0 and missing.stdout == b""
    assert "none.json: cannot read" in missing.stderr.decode()


def test_build_model_leaves_the_classifier_in_the_cache():
    done = subprocess.run(
        [sys.executable, "-m", "kefu", "qa", "build-model"],
        capture_output=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    where = Path(done.stdout.decode().strip().removeprefix("quality model saved to "))
    assert (where / "model.json").is_file() and (where / "model.npz").is_file()
