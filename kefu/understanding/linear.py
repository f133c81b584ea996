"""A fitted character n-gram TF-IDF + linear classifier as plain arrays, applied with numpy
alone: importing scikit-learn (and the scipy and pandas it pulls in) takes seconds of CPU,
which ``kefu intent predict`` would pay on every start for a few multiplications.

Reproduces scikit-learn's ``TfidfVectorizer(analyzer="char", sublinear_tf=True)`` (the
text already normalised, so no further lower-casing or whitespace folding) followed by a
linear model's ``decision_function``: per message, count the known n-grams, weight each
by ``(1 + log count) * idf``, scale the row to unit length, then scores = row · weights +
intercept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kefu.understanding.normalize import normalize

ARRAYS = "model.npz"
CHUNK = 2_000  # messages scored at once: bounds the (n-grams × labels) scratch array


@dataclass(frozen=True, slots=True)
class LinearText:
    vocabulary: dict[str, int]  # n-gram → column
    idf: np.ndarray  # (n-grams,)
    weights: np.ndarray  # (n-grams, labels); one column for two labels, as scikit-learn
    intercept: np.ndarray  # (labels,)
    ngram_range: tuple[int, int]

    @classmethod
    def from_pipeline(cls, pipeline) -> LinearText:  # type: ignore[no-untyped-def]
        """The arrays of a fitted ``TfidfVectorizer`` + linear classifier pipeline."""
        vectorizer, classifier = pipeline[0], pipeline[-1]
        return cls(
            vocabulary={str(term): int(i) for term, i in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float32),
            weights=np.ascontiguousarray(classifier.coef_.T, dtype=np.float32),
            intercept=np.asarray(classifier.intercept_, dtype=np.float32),
            ngram_range=tuple(vectorizer.ngram_range),
        )

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """The linear scores of each text, one row per text (``decision_function``)."""
        parts = [self._chunk(texts[i : i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        return np.vstack(parts) if parts else np.zeros((0, len(self.intercept)))

    def _chunk(self, texts: Sequence[str]) -> np.ndarray:
        columns: list[int] = []
        counts: list[int] = []
        sizes = np.zeros(len(texts), dtype=np.int64)
        for row, text in enumerate(texts):
            found = Counter(self._columns(normalize(text)))
            columns.extend(found)
            counts.extend(found.values())
            sizes[row] = len(found)
        out = np.tile(self.intercept.astype(np.float64), (len(texts), 1))
        if not columns:
            return out
        index = np.asarray(columns, dtype=np.int64)
        values = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf[index]
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        present = sizes > 0
        norms = np.sqrt(np.add.reduceat(values**2, starts[present]))
        values /= np.repeat(norms, sizes[present])
        contributions = self.weights[index] * values[:, None]
        out[present] += np.add.reduceat(contributions, starts[present], axis=0)
        return out

    def _columns(self, text: str) -> list[int]:
        """Columns of the known character n-grams of ``text``, repeats included."""
        low, high = self.ngram_range
        get = self.vocabulary.get
        found = []
        for n in range(low, high + 1):
            for start in range(len(text) - n + 1):
                column = get(text[start : start + n])
                if column is not None:
                    found.append(column)
        return found

    def save(self, directory: Path) -> None:
        terms = np.empty(len(self.vocabulary), dtype=object)
        for term, column in self.vocabulary.items():
            terms[column] = term
        np.savez(
            directory / ARRAYS,
            terms=terms.astype(str),
            idf=self.idf,
            weights=self.weights,
            intercept=self.intercept,
            ngram_range=np.asarray(self.ngram_range),
        )

    @classmethod
    def load(cls, directory: Path) -> LinearText:
        with np.load(directory / ARRAYS, allow_pickle=False) as arrays:
            low, high = (int(n) for n in arrays["ngram_range"])
            return cls(
                vocabulary={term: i for i, term in enumerate(arrays["terms"].tolist())},
                idf=arrays["idf"],
                weights=arrays["weights"],
                intercept=arrays["intercept"],
                ngram_range=(low, high),
            )
