"""The default 31-code model (``../shared/taxonomy/intents.json``), trained on examples
the project wrote (``data/intents_zh.jsonl``) and nothing else, so anyone can rebuild it.

Built at first use and cached in ``model_cache/<key>/`` beside this file (git-ignored);
the key hashes the examples, the normalising, training and prediction code and the
scikit-learn version, so changing any of them rebuilds it. Where the package directory
is read-only the model is trained in memory instead (a few seconds: six fits, five of
them for the confidence temperature)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from kefu.understanding import model as model_module
from kefu.understanding.jsonl import read_examples
from kefu.understanding.model import IntentModel

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "data" / "intents_zh.jsonl"
CACHE = HERE / "model_cache"
COMPLAINT = "aftersale.complaint"


def cache_key() -> str:
    """Changes whenever the default model would come out different: the examples, the
    code that normalises and trains, or scikit-learn."""
    digest = hashlib.sha256(model_module.scikit_learn_version().encode())
    for path in (EXAMPLES, Path(model_module.__file__), HERE / "linear.py", HERE / "normalize.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_default(directory: Path | None = None) -> Path:
    """Train the default model and save it (atomically) under ``CACHE`` or ``directory``."""
    target = directory or CACHE / cache_key()
    texts, labels = read_examples(EXAMPLES, "text", "intent")
    trained = IntentModel.train(texts, labels, curated=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    trained.save(staging)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target


@cache
def default_model() -> IntentModel:
    """The cached default model, built now if missing (once per process)."""
    directory = CACHE / cache_key()
    if (directory / "model.json").is_file():
        return IntentModel.load(directory)
    try:
        return IntentModel.load(build_default(directory))
    except OSError:
        texts, labels = read_examples(EXAMPLES, "text", "intent")
        return IntentModel.train(texts, labels, curated=True)
