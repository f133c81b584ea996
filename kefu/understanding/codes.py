"""The intent codes the shipped model knows, read from its training examples without
loading the model (numpy and scikit-learn): for the filters and forms that list them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kefu.understanding.jsonl import read_examples

EXAMPLES = Path(__file__).resolve().parent / "data" / "intents_zh.jsonl"


@cache
def intent_codes() -> tuple[str, ...]:
    """The 31 codes of the taxonomy (e.g. ``presale.bargain``), sorted."""
    return tuple(sorted(set(read_examples(EXAMPLES, "text", "intent")[1])))
