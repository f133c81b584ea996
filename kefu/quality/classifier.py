"""A trained multi-label classifier over the eight finding codes, for what phrases miss.

The dictionary finds the words somebody wrote down; agents say the same things in
endless other ways ("你是第一次用手机吗" belittles without any listed phrase). This model
reads character 1–2-grams of the normalised reply (Chinese is unsegmented and agents
type fast, with typos and traditional characters, so characters carry better than
words; longer n-grams let the model memorise whole phrases of the corpus instead of
learning the words that carry them) and gives, per code, the probability that the reply
carries it: one logistic regression per code. A code is found when its probability
reaches that code's threshold, chosen by five-fold cross-validation on the corpus for the
best F1.

The corpus is ``data/replies_zh.jsonl``, written by hand for this project (never copied
from a data set): every code in many phrasings, replies with several codes, and many
good replies, hard negatives among them. Training adds *composed* replies
(:func:`compose`): a hand-written bad clause inside a reply of neutral facts, so the
model learns that one bad clause spoils a long reply. Everything is deterministic
(fixed seeds), so the same corpus gives the same model.

The model lives in a directory: ``model.npz`` (the n-grams, their IDF weights and the
coefficients, plain arrays) and ``model.json`` (format, codes, thresholds, scikit-learn
version). Training needs scikit-learn; prediction only numpy."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from kefu.errors import Invalid
from kefu.quality.dictionary import CODES
from kefu.quality.normalize import normalize

FORMAT = "kefu-quality/1"
HERE = Path(__file__).resolve().parent
CORPUS = HERE / "data" / "replies_zh.jsonl"
CLAUSES = HERE / "data" / "compose_zh.json"
MODEL_CACHE = HERE / "model_cache"
C = 16.0  # weak regularisation: the corpus is clean, hand-labelled text
FOLDS = 5
# Five-fold cross-validation F1 on the corpus of 3,107 replies: 1–4-grams with C = 8 (the
# first model) 0.83, 1–3-grams 0.84, 1–2-grams with C = 16 0.845 and fewer false alarms.
NGRAMS = (1, 2)
COMPOSED_PER_REPLY = 1  # composed variants per hand-written reply (bad and good alike)
THRESHOLD_RANGE = (0.25, 0.75)  # thresholds outside this are overfitting the folds
# where a reply is cut into clauses, for spans of classifier-only findings
CLAUSE_END = re.compile(r"[^，。！？；,.!?;~～…\n]+[，。！？；,.!?;~～…\n]*")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    codes: tuple[str, ...]


def read_corpus(path: Path = CORPUS) -> list[Example]:
    """The hand-written replies and their codes (``[]`` for a good reply)."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        codes = tuple(row["codes"])
        if not isinstance(row.get("text"), str) or not set(codes) <= set(CODES):
            raise Invalid(f"{path}: line {number}: needs a text and known codes")
        examples.append(Example(row["text"], codes))
    return examples


@cache
def _clauses() -> dict[str, list[str]]:
    return json.loads(CLAUSES.read_text(encoding="utf-8"))


def compose(examples: Sequence[Example], seed: int = 0) -> list[Example]:
    """Longer replies built around the given ones: an opener, a neutral fact and the
    reply (or its first clause), in either order, with its codes unchanged. Template-tone
    replies are left out: a fact would give them the substance they lack."""
    clauses = _clauses()
    rng = random.Random(seed)
    composed = []
    for example in examples:
        if "templated" in example.codes:
            continue
        for _ in range(COMPOSED_PER_REPLY):
            opener = rng.choice(clauses["openers"])
            fact = rng.choice(clauses["facts"])
            closer = rng.choice(clauses["closers"])
            core = example.text.rstrip("。！!~")
            if rng.random() < 0.5:
                text = f"{opener}{fact}，{core}{closer}"
            else:
                text = f"{opener}{core}，{fact}{closer}"
            composed.append(Example(text, example.codes))
    return composed


def _targets(examples: Sequence[Example]) -> np.ndarray:
    return np.array([[code in ex.codes for code in CODES] for ex in examples], dtype=np.int8)


def char_ngrams(text: str) -> list[str]:
    """What the model reads: the character 1–2-grams of the normalised reply (runs of
    white space as one space). Used by training and prediction alike."""
    folded = " ".join(normalize(text).split())
    return [folded[i : i + n] for n in NGRAMS for i in range(len(folded) - n + 1)]


def _pipeline():  # type: ignore[no-untyped-def]
    """An unfitted TF-IDF + one-vs-rest logistic regression pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, dtype=np.float64)
    model = LogisticRegression(
        C=C, solver="liblinear", dual=True, class_weight="balanced", max_iter=1000
    )
    return make_pipeline(vectorizer, OneVsRestClassifier(model))


def fit_pipeline(examples: Sequence[Example]):  # type: ignore[no-untyped-def]
    """The scikit-learn pipeline fitted on ``examples`` and their composed replies."""
    training = list(examples) + compose(examples)
    pipeline = _pipeline()
    pipeline.fit([ex.text for ex in training], _targets(training))
    return pipeline


def out_of_fold(examples: Sequence[Example]) -> np.ndarray:
    """Each example's probabilities from a model that never saw it (five folds; the
    composed replies of a fold are made from its training part only)."""
    from sklearn.model_selection import KFold

    probabilities = np.zeros((len(examples), len(CODES)))
    folds = KFold(FOLDS, shuffle=True, random_state=0)
    for train, test in folds.split(examples):
        pipeline = fit_pipeline([examples[i] for i in train])
        probabilities[test] = pipeline.predict_proba([examples[i].text for i in test])
    return probabilities


def best_thresholds(probabilities: np.ndarray, examples: Sequence[Example]) -> list[float]:
    """Per code, the threshold giving the best F1 on out-of-fold probabilities (ties go
    to the higher threshold: fewer false alarms), kept within ``THRESHOLD_RANGE``."""
    targets = _targets(examples).astype(bool)
    low, high = THRESHOLD_RANGE
    candidates = np.round(np.arange(low, high + 1e-9, 0.01), 2)
    chosen = []
    for column in range(len(CODES)):
        truth, scores = targets[:, column], probabilities[:, column]
        f1s = [_f1(truth, scores >= threshold) for threshold in candidates]
        best = max(range(len(candidates)), key=lambda i: (round(f1s[i], 4), i))
        chosen.append(float(candidates[best]))
    return chosen


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    true_pos = int(np.sum(truth & predicted))
    wrong = int(np.sum(truth ^ predicted))
    return 2 * true_pos / (2 * true_pos + wrong) if true_pos else 0.0


class QualityModel:
    """The fitted weights as plain arrays and a threshold per code; :meth:`train` or
    :meth:`load`. Prediction needs numpy only: importing scikit-learn would cost a
    command-line check seconds of start-up, so it is imported for training alone."""

    def __init__(
        self,
        features: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        thresholds: Sequence[float],
    ) -> None:
        self.features = list(features)
        self.index = {feature: i for i, feature in enumerate(self.features)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)  # features × codes
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)

    @classmethod
    def train(cls, examples: Sequence[Example]) -> QualityModel:
        """Fit on all examples, with thresholds from their cross-validation."""
        thresholds = best_thresholds(out_of_fold(examples), examples)
        return cls.from_pipeline(fit_pipeline(examples), thresholds)

    @classmethod
    def from_pipeline(cls, pipeline: Any, thresholds: Sequence[float]) -> QualityModel:
        """The arrays of a fitted :func:`_pipeline`."""
        vectorizer, classifier = pipeline[0], pipeline[-1]
        features = vectorizer.get_feature_names_out()
        coef = np.column_stack([e.coef_.ravel() for e in classifier.estimators_])
        intercept = np.array([e.intercept_[0] for e in classifier.estimators_])
        return cls(features, vectorizer.idf_, coef, intercept, thresholds)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per code (in ``CODES`` order): sublinear TF-IDF,
        L2-normalised, through each code's logistic regression, all texts at once."""
        rows, columns, counts = [], [], []
        for row, text in enumerate(texts):
            counted = Counter(i for i in map(self.index.get, char_ngrams(text)) if i is not None)
            rows += [row] * len(counted)
            columns += counted.keys()
            counts += counted.values()
        row_of = np.array(rows, dtype=np.int64)
        column_of = np.array(columns, dtype=np.int64)
        weights = (1.0 + np.log(np.array(counts, dtype=np.float64))) * self.idf[column_of]
        norms = np.zeros(len(texts))
        np.add.at(norms, row_of, weights**2)
        weights /= np.sqrt(norms[row_of])
        scores = np.tile(self.intercept, (len(texts), 1))
        np.add.at(scores, row_of, weights[:, None] * self.coef[column_of])
        return 1.0 / (1.0 + np.exp(-scores))

    def found(self, probabilities: np.ndarray) -> np.ndarray:
        """Which codes reach their thresholds (same shape, booleans)."""
        return probabilities >= self.thresholds

    def save(self, directory: Path) -> None:
        """Write ``model.npz`` (arrays, no pickle) and ``model.json`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / "model.npz",
            features=np.array(self.features, dtype=str),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
        )
        meta = {
            "format": FORMAT,
            "codes": list(CODES),
            "thresholds": [float(t) for t in self.thresholds],
            "scikit_learn": version("scikit-learn"),
        }
        (directory / "model.json").write_text(json.dumps(meta, indent=2) + "\n", "utf-8")

    @classmethod
    def load(cls, directory: Path) -> QualityModel:
        """The model saved in ``directory``; a clear refusal when it is not one."""
        try:
            meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
            arrays = np.load(directory / "model.npz", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise Invalid(f"{directory} holds no quality model ({exc})") from None
        if meta.get("format") != FORMAT or meta.get("codes") != list(CODES):
            raise Invalid(f"{directory} holds a model of another format or other codes")
        return cls(
            arrays["features"].tolist(),
            arrays["idf"],
            arrays["coef"],
            arrays["intercept"],
            meta["thresholds"],
        )


def clauses(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each clause of ``text`` (cut after punctuation), trailing
    punctuation and spaces excluded; the whole text when it has no clause."""
    found = []
    for match in CLAUSE_END.finditer(text):
        body = match.group().rstrip("，。！？；,.!?;~～…\n ")
        start = match.start() + len(body) - len(body.lstrip())
        if body.strip():
            found.append((start, match.start() + len(body)))
    return found or [(0, len(text))]


def cache_key() -> str:
    """Changes whenever the default model would come out different: the corpus, the
    composing clauses, this code, the normalising table's code or scikit-learn (its
    version read without importing it: that alone takes seconds)."""
    digest = hashlib.sha256(version("scikit-learn").encode())
    for path in (CORPUS, CLAUSES, Path(__file__), HERE / "normalize.py"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def default_model() -> QualityModel:
    """The model trained on the built-in corpus: loaded from ``model_cache/<key>/``
    (git-ignored), or trained now (about ten seconds of CPU, once) and saved there atomically;
    trained in memory only where the package directory is read-only."""
    directory = MODEL_CACHE / cache_key()
    if (directory / "model.json").is_file():
        return QualityModel.load(directory)
    model = QualityModel.train(read_corpus())
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=directory.parent))
        model.save(staging)
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(staging, directory)
    except OSError:
        pass  # a read-only install: the model lives in this process only
    return model


__all__ = [
    "CORPUS",
    "Example",
    "QualityModel",
    "clauses",
    "compose",
    "default_model",
    "read_corpus",
]
