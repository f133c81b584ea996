"""``kefu qa check``: quality findings for agent replies, JSON Lines in and out.

The contract is used by external evaluation, so it is kept byte for byte: each input
line is one JSON object with ``"text"`` (an agent reply) and an optional ``"context"``
(the shopper's previous message); each is written back in order, every original field
kept, with ``"findings"`` and ``"spans"`` added. All input is read and checked before
anything is written, so a bad line never leaves half an output behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from kefu.cli_data import fail
from kefu.errors import DomainError

SHOWN_PROBLEMS = 20

app = typer.Typer(
    help="Quality inspection of agent replies.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_line(raw: bytes) -> dict[str, Any]:
    """One input object, or ValueError saying what is wrong with the line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not valid UTF-8") from None
    try:
        record = json.loads(line, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    if not isinstance(record.get("text"), str):
        raise ValueError('"text" must be present and a string')
    context = record.get("context")
    if context is not None and not isinstance(context, str):
        raise ValueError('"context" must be a string or null')
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (\\ud800–\\udfff), not text") from None
    return record


def read_records(data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """The objects of every non-blank line, and a message per bad line (1-based)."""
    records, problems = [], []
    data = data.removeprefix(b"\xef\xbb\xbf")
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if not raw.strip():
            continue
        try:
            records.append(parse_line(raw))
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    return records, problems


@app.command("check")
def check_command(
    dictionary: list[Path] = typer.Option(
        [],
        "--dictionary",
        metavar="FILE",
        help="A shop's own dictionary (JSON, same shape as the built-in one); may be repeated.",
    ),
) -> None:
    """Read JSON Lines of replies on stdin; write them back with findings and spans."""
    from kefu.quality.checker import check_replies
    from kefu.quality.inspector import inspector_with

    try:
        inspector = inspector_with(dictionary)
    except DomainError as exc:
        fail(exc.message)
    records, problems = read_records(sys.stdin.buffer.read())
    if problems:
        for problem in problems[:SHOWN_PROBLEMS]:
            typer.echo(f"error: {problem}", err=True)
        if len(problems) > SHOWN_PROBLEMS:
            typer.echo(f"error: … and {len(problems) - SHOWN_PROBLEMS} more bad lines", err=True)
        raise typer.Exit(1)
    replies = [(record["text"], record.get("context")) for record in records]
    results = check_replies(replies, inspector) if records else []
    out = sys.stdout.buffer
    for record, result in zip(records, results, strict=True):
        record["findings"] = result.findings
        record["spans"] = [span.as_json() for span in result.spans]
        out.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    out.flush()


@app.command("build-model")
def build_model_command() -> None:
    """Train the classifier on the shipped corpus into the package's model cache
    (deterministic); ``check`` does it at first use, this spares that call the wait."""
    from kefu.quality.classifier import MODEL_CACHE, cache_key, default_model

    default_model()
    where = MODEL_CACHE / cache_key()
    if not (where / "model.json").is_file():
        fail(f"cannot write the model cache {MODEL_CACHE} (the model was trained in memory)")
    typer.echo(f"quality model saved to {where}")
