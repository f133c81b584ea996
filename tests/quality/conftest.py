"""Reply sets for quality inspection (JSON Lines: text, context, expected codes).

- ``tune.jsonl``: what the built-in dictionary was written from; every line must pass.
- ``heldout.jsonl``: written before the dictionary, by the same author, and looked at
  while writing it; its floors are high but it is not an unseen set.
- ``unseen.jsonl``: written after the first dictionary was frozen and scored once
  (micro-F1 0.21); the dictionary was then widened, partly from its misses.
- ``fresh.jsonl``: written after the widened dictionary was frozen and never tuned on
  (micro-F1 0.29, no false alarm): how far phrases and patterns carry on replies nobody
  tuned for. Do not add entries from its misses; write a new set instead.
- ``final.jsonl``: written after the classifier was frozen, shopper message first, in
  trades the training corpus hardly covers; never trained or tuned on.
- ``blind.jsonl`` … ``blind4.jsonl``: written by sessions that never saw this repository
  (only the taxonomy, the seeds and the labelling conventions), and read here only as
  aggregate scores. The first three (with ``final``) chose the arbitration's two factors
  (a coarse grid on their pooled score); ``blind4`` was written after that and scored
  once on the frozen check (docs/quality.md).

None of these sets is in the classifier's training corpus (``kefu/quality/data``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def reply_set(name: str) -> list[dict[str, Any]]:
    with (HERE / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class Score:
    micro_f1: float
    false_alarm_rate: float  # good replies (expected []) with any finding


def score(rows: list[dict[str, Any]], predicted: list[list[str]]) -> Score:
    """Micro-F1 over the codes, counting each (reply, code) pair once."""
    true_pos = false_pos = false_neg = good = alarms = 0
    for row, found in zip(rows, predicted, strict=True):
        expected, got = set(row["expected"]), set(found)
        true_pos += len(expected & got)
        false_pos += len(got - expected)
        false_neg += len(expected - got)
        if not expected:
            good += 1
            alarms += bool(got)
    f1 = 2 * true_pos / (2 * true_pos + false_pos + false_neg)
    return Score(f1, alarms / good)
