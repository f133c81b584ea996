"""JSON Lines in, checked whole before anything is used: a bad line is reported by its
number and nothing is written, so a caller never gets half an answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kefu.errors import Invalid


def parse_lines(data: bytes, fields: Sequence[str]) -> list[dict[str, Any]]:
    """Every line of ``data`` as a JSON object having each of ``fields`` as a string.

    Blank lines at the very end (an extra newline) are ignored; any other line that is
    not such an object raises :class:`Invalid` naming its 1-based line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Invalid(f"line {line}: not UTF-8 text") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return [_object(number, line, fields) for number, line in enumerate(lines, start=1)]


def _object(number: int, line: str, fields: Sequence[str]) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise Invalid(f"line {number}: not valid JSON") from None
    if not isinstance(value, dict):
        raise Invalid(f"line {number}: expected a JSON object, got {type(value).__name__}")
    for field in fields:
        if field not in value:
            raise Invalid(f'line {number}: no "{field}" field')
        if not isinstance(value[field], str):
            raise Invalid(f'line {number}: "{field}" must be a string')
    return value


def read_examples(path: Path, text_field: str, label_field: str) -> tuple[list[str], list[str]]:
    """Texts and labels of a JSON Lines file; labels may be strings or numbers."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror}") from None
    rows = parse_lines(data, [text_field])
    labels = []
    for number, row in enumerate(rows, start=1):
        label = row.get(label_field)
        if isinstance(label, bool) or not isinstance(label, str | int):
            raise Invalid(f'line {number}: "{label_field}" must be a string or an integer')
        labels.append(str(label))
    if not rows:
        raise Invalid(f"{path} holds no examples")
    return [row[text_field] for row in rows], labels
