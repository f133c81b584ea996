"""The shipped 31-code model: trained from our own examples, deterministic, and measured
on held-out examples written separately from the training file (heldout_zh.jsonl)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kefu.understanding.default import EXAMPLES, build_default, default_model
from kefu.understanding.jsonl import read_examples
from kefu.understanding.model import IntentModel, evaluate
from kefu.understanding.predict import understand
from tests.understanding.conftest import HELDOUT


def taxonomy_codes() -> list[str]:
    """The codes of ../shared/taxonomy/intents.json (KEFU_SHARED_DIR or beside a parent)."""
    shared = os.environ.get("KEFU_SHARED_DIR")
    here = Path(__file__).resolve()
    candidates = ([Path(shared)] if shared else []) + [p / "shared" for p in here.parents]
    for base in candidates:
        path = base / "taxonomy" / "intents.json"
        if path.is_file():
            return [i["code"] for i in json.loads(path.read_text(encoding="utf-8"))["intents"]]
    raise AssertionError("shared/taxonomy/intents.json not found (set KEFU_SHARED_DIR)")


def test_the_default_model_knows_exactly_the_31_taxonomy_codes():
    codes = taxonomy_codes()
    assert len(codes) == 31
    assert sorted(default_model().labels) == sorted(codes)


def test_held_out_examples_are_not_in_the_training_file():
    training = set(read_examples(EXAMPLES, "text", "intent")[0])
    held_out = read_examples(HELDOUT, "text", "intent")[0]
    assert len(held_out) >= 150
    assert training.isdisjoint(held_out)


def test_held_out_accuracy_and_macro_f1_reach_90_percent():
    texts, labels = read_examples(HELDOUT, "text", "intent")
    scores = evaluate(default_model(), texts, labels)
    assert scores.accuracy >= 0.90
    assert scores.macro_f1 >= 0.90


def test_complaints_and_angry_messages_are_red():
    texts, labels = read_examples(HELDOUT, "text", "intent")
    angry = [t for t, label in zip(texts, labels, strict=True) if label == "aftersale.complaint"]
    angry += ["发的什么破东西 气死我了", "你们就是骗子!!!", "再不给我退钱我就报警"]
    answers = understand([{"text": t} for t in angry], default_model(), default=True)
    red = sum(answer["emotion"] == "red" for answer in answers)
    assert red / len(angry) >= 0.8


def test_building_twice_gives_the_same_model(tmp_path):
    texts = read_examples(HELDOUT, "text", "intent")[0]
    first = IntentModel.load(build_default(tmp_path / "a")).predict(texts)
    second = IntentModel.load(build_default(tmp_path / "b")).predict(texts)
    assert first == second
