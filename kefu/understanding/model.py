"""A text classifier on any label set: character 1–3-gram TF-IDF of the normalised text
and a linear support-vector machine (scikit-learn). Characters rather than words because
shoppers write short, unsegmented, misspelt Chinese; a linear model because it trains in
seconds on a shop's few thousand examples and predicts tens of thousands a second.

Labels written by people are noisy (CIC's are deliberately so), so on a large enough set
training first scores every example by five-fold cross-validation (out-of-fold, so no
example judges itself), drops the examples whose given label another label beats by
``NOISE_MARGIN`` or more, then fits on the rest. Classes are weighted by their inverse
frequency, so a rare label is not drowned by a frequent one. Training is deterministic
(fixed ``random_state`` everywhere), so the same examples give the same model.
``confidence`` is a softmax of the linear scores at a temperature fitted to those
out-of-fold scores (the one that makes the given labels most likely), so it is roughly
calibrated; small sets use ``TEMPERATURE``.

A model lives in a directory: ``model.npz`` (vocabulary, idf and weights as plain arrays,
no pickle) and ``model.json`` (format, labels, temperature, scikit-learn version it was
trained with). Training uses scikit-learn; prediction only numpy (``linear``), so
``kefu intent predict`` starts without importing scikit-learn."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.errors import Invalid
from kefu.understanding.linear import ARRAYS, LinearText
from kefu.understanding.normalize import normalize

FORMAT = "kefu-intent/2"
C = 0.5  # regularisation: a smaller C trusts single (possibly mislabelled) examples less
TEMPERATURE = 0.2  # scales linear scores before the softmax, when it cannot be fitted
TEMPERATURES = np.geomspace(0.02, 2.0, 41)  # the candidates fitted to out-of-fold scores
FOLDS = 5
CLEAN_FROM = 500  # examples needed before cross-validation can judge labels
NOISE_MARGIN = 0.3  # how far another label's score must beat the given one to drop it


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    confidences: list[float]


class IntentModel:
    """A fitted classifier and its labels; build with :meth:`train` or :meth:`load`."""

    def __init__(
        self,
        linear: LinearText,
        labels: Sequence[str],
        *,
        set_aside: int = 0,
        temperature: float = TEMPERATURE,
    ) -> None:
        self.linear = linear
        self.labels = [str(label) for label in labels]
        self.set_aside = set_aside  # training examples dropped as contradicted
        self.temperature = temperature

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], *, curated: bool = False
    ) -> IntentModel:
        """Fit on ``texts`` labelled ``labels``; needs at least two distinct labels.
        ``curated`` examples (checked by people, like the default model's) are all kept:
        the noise filter would drop exactly the unusual phrasings worth learning."""
        if len(texts) != len(labels):
            raise Invalid("every example needs a label")
        if len(Counter(labels)) < 2:
            raise Invalid("training needs examples of at least two different labels")
        scores = out_of_fold_scores(texts, labels)
        keep = np.ones(len(labels), dtype=bool)
        if scores is not None and not curated:
            keep = uncontradicted(scores, labels)
        pipeline = new_pipeline()
        pipeline.fit(_subset(texts, keep), _subset(labels, keep))
        temperature = TEMPERATURE
        if scores is not None:
            temperature = fitted_temperature(scores[keep], _subset(labels, keep))
        return cls(
            LinearText.from_pipeline(pipeline),
            pipeline.classes_,
            set_aside=int((~keep).sum()),
            temperature=temperature,
        )

    def predict(self, texts: Sequence[str]) -> Predictions:
        """Label and confidence for each text, vectorised as one batch."""
        if not texts:
            return Predictions([], [])
        scores = _per_label(self.linear.scores(texts))
        scaled = (scores - scores.max(axis=1, keepdims=True)) / self.temperature
        weights = np.exp(scaled)
        best = scores.argmax(axis=1)
        confidence = 1.0 / weights.sum(axis=1)  # the best class's weight is exp(0) = 1
        return Predictions([self.labels[i] for i in best], [round(float(c), 4) for c in confidence])

    def save(self, directory: Path) -> None:
        """Write ``model.npz`` and ``model.json`` into ``directory`` (created)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.linear.save(directory)
        meta = {
            "format": FORMAT,
            "labels": self.labels,
            "temperature": self.temperature,
            "scikit_learn": scikit_learn_version(),
        }
        (directory / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> IntentModel:
        """The model saved in ``directory``; a clear refusal when it is not one."""
        meta_path = directory / "model.json"
        if not meta_path.is_file() or not (directory / ARRAYS).is_file():
            raise Invalid(f"{directory} is not a model directory (no model.json/{ARRAYS})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise Invalid(f"cannot read {meta_path}: {exc}") from None
        if meta.get("format") != FORMAT:
            raise Invalid(
                f"{directory} holds a model of format {meta.get('format')!r}: train it again"
            )
        temperature = float(meta.get("temperature", TEMPERATURE))
        return cls(LinearText.load(directory), meta["labels"], temperature=temperature)


def _per_label(scores) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One column of scores per label, also for two labels (where scikit-learn gives one
    score, for the second label against the first)."""
    scores = np.asarray(scores, dtype=np.float64)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def scikit_learn_version() -> str:
    """Read from the installed package's metadata: importing scikit-learn takes seconds."""
    from importlib.metadata import version

    return version("scikit-learn")


def new_pipeline():  # type: ignore[no-untyped-def]
    """An unfitted TF-IDF + linear SVM pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(
        preprocessor=normalize,
        analyzer="char",
        ngram_range=(1, 3),
        sublinear_tf=True,
        dtype=np.float32,
    )
    classifier = LinearSVC(C=C, class_weight="balanced", random_state=0)
    return make_pipeline(vectorizer, classifier)


def out_of_fold_scores(texts: Sequence[str], labels: Sequence[str]) -> np.ndarray | None:
    """Each example's score for every label (sorted) from five-fold cross-validation, or
    ``None`` for sets too small to judge (fewer than ``CLEAN_FROM`` examples, or a label
    with fewer than ``FOLDS``)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    counts = Counter(labels)
    if len(labels) < CLEAN_FROM or min(counts.values()) < FOLDS:
        return None
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    return _per_label(
        cross_val_predict(
            new_pipeline(), list(texts), list(labels), cv=folds, method="decision_function"
        )
    )


def uncontradicted(scores: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Which examples to keep: those whose given label no other label beats by
    ``NOISE_MARGIN`` in ``scores``; a label never keeps fewer than two examples."""
    classes = sorted(set(labels))
    given = scores[np.arange(len(labels)), np.searchsorted(classes, labels)]
    keep = scores.max(axis=1) - given < NOISE_MARGIN
    kept = Counter(label for label, ok in zip(labels, keep, strict=True) if ok)
    return keep | np.array([kept[label] < 2 for label in labels])


def fitted_temperature(scores: np.ndarray, labels: Sequence[str]) -> float:
    """The temperature among ``TEMPERATURES`` whose softmax of out-of-fold ``scores``
    gives the given labels the highest likelihood (calibrates ``confidence``)."""
    given = np.searchsorted(sorted(set(labels)), labels)
    shifted = scores - scores.max(axis=1, keepdims=True)
    gap = shifted[np.arange(len(labels)), given]
    losses = [np.mean(np.log(np.exp(shifted / t).sum(axis=1)) - gap / t) for t in TEMPERATURES]
    return round(float(TEMPERATURES[int(np.argmin(losses))]), 4)


def without_contradicted(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The examples whose label cross-validation does not confidently contradict; small
    sets are kept whole (see :func:`out_of_fold_scores` and :func:`uncontradicted`)."""
    scores = out_of_fold_scores(texts, labels)
    if scores is None:
        return list(texts), list(labels)
    keep = uncontradicted(scores, labels)
    return _subset(texts, keep), _subset(labels, keep)


def _subset(items: Sequence[str], keep: np.ndarray) -> list[str]:
    return [item for item, ok in zip(items, keep, strict=True) if ok]


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
