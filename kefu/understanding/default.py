"""The models shipped with Kefu, trained on examples the project wrote and nothing else,
so anyone can rebuild them: the default 31-code intent model
(``../shared/taxonomy/intents.json``, ``data/intents_zh.jsonl``) and the emotion colour
classifier (``data/emotion_zh.jsonl``, see ``emotion``).

Each is built at first use and cached in ``model_cache/<key>/`` beside this file
(git-ignored); the key hashes the examples, the normalising, training and prediction code
and the scikit-learn version, so changing any of them rebuilds it. Where the package
directory is read-only the model is trained in memory instead (a few seconds: six fits,
five of them for the confidence temperature)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kefu.understanding import model as model_module
from kefu.understanding.jsonl import read_examples
from kefu.understanding.model import IntentModel

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE / "data" / "intents_zh.jsonl"
EMOTION_EXAMPLES = HERE / "data" / "emotion_zh.jsonl"
CACHE = HERE / "model_cache"
COMPLAINT = "aftersale.complaint"


@dataclass(frozen=True, slots=True)
class ShippedModel:
    """A model trained on a JSON Lines file of the package, labelled by ``label_field``."""

    examples: Path
    label_field: str

    def cache_key(self) -> str:
        """Changes whenever the model would come out different: the examples, the code
        that normalises and trains, or scikit-learn."""
        digest = hashlib.sha256(model_module.scikit_learn_version().encode())
        code = (Path(model_module.__file__), HERE / "linear.py", HERE / "normalize.py")
        for path in (self.examples, *code):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def train(self) -> IntentModel:
        texts, labels = read_examples(self.examples, "text", self.label_field)
        return IntentModel.train(texts, labels, curated=True)

    def build(self, directory: Path | None = None) -> Path:
        """Train the model and save it (atomically) under ``CACHE`` or ``directory``."""
        target = directory or CACHE / self.cache_key()
        trained = self.train()
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        trained.save(staging)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        return target

    def cached(self) -> IntentModel:
        """The cached model, built now if missing."""
        directory = CACHE / self.cache_key()
        if (directory / "model.json").is_file():
            return IntentModel.load(directory)
        try:
            return IntentModel.load(self.build(directory))
        except OSError:
            return self.train()


INTENTS = ShippedModel(EXAMPLES, "intent")
EMOTIONS = ShippedModel(EMOTION_EXAMPLES, "emotion")


def build_default(directory: Path | None = None) -> Path:
    """Train the default intent model and save it under ``CACHE`` or ``directory``."""
    return INTENTS.build(directory)


@cache
def default_model() -> IntentModel:
    """The default intent model (loaded or built once per process)."""
    return INTENTS.cached()


@cache
def emotion_model() -> IntentModel:
    """The emotion colour classifier (loaded or built once per process)."""
    return EMOTIONS.cached()
