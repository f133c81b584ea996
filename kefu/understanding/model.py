"""A text classifier on any label set: character 1–3-gram TF-IDF of the normalised text
and a linear support-vector machine (scikit-learn). Characters rather than words because
shoppers write short, unsegmented, misspelt Chinese; a linear model because it trains in
seconds on a shop's few thousand examples and predicts tens of thousands a second.

Training is deterministic (fixed ``random_state``, no shuffling that depends on the
machine), so the same examples give the same model. ``confidence`` is a softmax of the
linear scores: a 0–1 score that orders predictions from unsure to sure.

A model lives in a directory: ``model.joblib`` (the fitted pipeline) and ``model.json``
(format, labels, scikit-learn version). ``model.joblib`` is a pickle: load only models
you built yourself."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.errors import Invalid
from kefu.understanding.normalize import normalize

FORMAT = "kefu-intent/1"
C = 0.5  # regularisation: a smaller C trusts single (possibly mislabelled) examples less
TEMPERATURE = 0.2  # scales linear scores before the softmax that gives ``confidence``


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    confidences: list[float]


class IntentModel:
    """A fitted pipeline and its labels; build with :meth:`train` or :meth:`load`."""

    def __init__(self, pipeline) -> None:  # type: ignore[no-untyped-def]
        self.pipeline = pipeline
        self.labels = [str(label) for label in pipeline.classes_]

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> IntentModel:
        """Fit on ``texts`` labelled ``labels``; needs at least two distinct labels."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_pipeline
        from sklearn.svm import LinearSVC

        if len(texts) != len(labels):
            raise Invalid("every example needs a label")
        if len(Counter(labels)) < 2:
            raise Invalid("training needs examples of at least two different labels")
        vectorizer = TfidfVectorizer(
            preprocessor=normalize,
            analyzer="char",
            ngram_range=(1, 3),
            sublinear_tf=True,
            dtype=np.float32,
        )
        pipeline = make_pipeline(vectorizer, LinearSVC(C=C, random_state=0))
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline)

    def predict(self, texts: Sequence[str]) -> Predictions:
        """Label and confidence for each text, vectorised as one batch."""
        if not texts:
            return Predictions([], [])
        scores = np.asarray(self.pipeline.decision_function(list(texts)), dtype=np.float64)
        if scores.ndim == 1:  # two labels: one score for the second against the first
            scores = np.column_stack([-scores, scores])
        scaled = (scores - scores.max(axis=1, keepdims=True)) / TEMPERATURE
        weights = np.exp(scaled)
        best = scores.argmax(axis=1)
        confidence = 1.0 / weights.sum(axis=1)  # the best class's weight is exp(0) = 1
        return Predictions([self.labels[i] for i in best], [round(float(c), 4) for c in confidence])

    def save(self, directory: Path) -> None:
        """Write ``model.joblib`` and ``model.json`` into ``directory`` (created)."""
        import joblib
        import sklearn

        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, directory / "model.joblib")
        meta = {"format": FORMAT, "labels": self.labels, "scikit_learn": sklearn.__version__}
        (directory / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> IntentModel:
        """The model saved in ``directory``; a clear refusal when it is not one."""
        import joblib

        meta_path = directory / "model.json"
        if not meta_path.is_file() or not (directory / "model.joblib").is_file():
            raise Invalid(f"{directory} is not a model directory (no model.json/model.joblib)")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise Invalid(f"cannot read {meta_path}: {exc}") from None
        if meta.get("format") != FORMAT:
            raise Invalid(f"{directory} holds a model of format {meta.get('format')!r}")
        return cls(joblib.load(directory / "model.joblib"))


@dataclass(frozen=True, slots=True)
class Scores:
    accuracy: float
    macro_f1: float
    examples: int


def evaluate(model: IntentModel, texts: Sequence[str], labels: Sequence[str]) -> Scores:
    """Accuracy and macro-F1 (over the labels present in ``labels`` or predicted)."""
    from sklearn.metrics import accuracy_score, f1_score

    predicted = model.predict(texts).labels
    return Scores(
        accuracy=float(accuracy_score(labels, predicted)),
        macro_f1=float(f1_score(labels, predicted, average="macro", zero_division=0)),
        examples=len(labels),
    )
