"""``kefu bench intent``: message understanding on shopper messages nobody here wrote.

``value``: throughput of the default 31-code model in messages/s on one core (threads
limited to one), everything ``kefu intent predict`` adds (normalisation, intent,
confidence, emotion colour, entities) for the CIC dev sentences repeated to ``MESSAGES``,
in one batch; fastest of ``REPEATS`` runs. ``p99_ms``: 99th percentile latency of one
message at a time. ``macro_f1_dev``: a custom model trained on CIC train and evaluated on
CIC dev through the same functions as ``kefu intent train`` / ``kefu intent eval``.
``default_cic_mapped_accuracy``: how often the default model agrees with CIC dev labels
that map clearly onto our codes (``cic_codes``), a check on messages nobody here wrote
(the default model is never trained on CIC).

Baseline, same run: a plain scikit-learn TF-IDF (characters 1–3, raw text) + logistic
regression trained on CIC train; its prediction throughput on the same messages is
``baseline_value`` (``ratio`` = ours / baseline) and its dev macro-F1
``baseline_macro_f1_dev``."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from kefu.bench import BenchResult, Stopwatch, note
from kefu.errors import NotFound

MESSAGES = 20_000
QUICK_MESSAGES = 2_000
QUICK_TRAIN = 1_000
SINGLES = 1_000
REPEATS = 3


def cic_dir() -> Path:
    """``datasets/cic_dataclue`` under ``KEFU_SHARED_DIR`` or ../shared beside the checkout."""
    shared = os.environ.get("KEFU_SHARED_DIR")
    here = Path(__file__).resolve()
    candidates = ([Path(shared)] if shared else []) + [p / "shared" for p in here.parents[2:5]]
    for base in candidates:
        path = base / "datasets" / "cic_dataclue"
        if (path / "train.json").is_file():
            return path
    raise NotFound("the CIC data set (set KEFU_SHARED_DIR to the shared directory)")


def _sentences(path: Path, limit: int | None = None) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows = rows[:limit] if limit else rows
    return [row["sentence"] for row in rows], [str(row["label"]) for row in rows]


def _throughput(label: str, work, messages: list[str]) -> float:  # type: ignore[no-untyped-def]
    """Messages per second of the fastest of ``REPEATS`` runs of ``work(messages)``."""
    best = float("inf")
    for attempt in range(1, REPEATS + 1):
        with Stopwatch() as watch:
            work(messages)
        note(f"  {label} run {attempt}: {watch.seconds:.3f} s for {len(messages):,} messages")
        best = min(best, watch.seconds)
    return len(messages) / best


def _p99_ms(work, messages: list[str]) -> float:  # type: ignore[no-untyped-def]
    latencies = []
    for message in messages:
        started = time.perf_counter()
        work([message])
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def _default_on_cic(model, dev: Path) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Agreement of the default model with the CIC dev labels that map onto our codes."""
    from kefu.bench.cic_codes import CIC_TO_CODE

    texts, labels = _sentences(dev)
    pairs = [
        (text, CIC_TO_CODE[label])
        for text, label in zip(texts, labels, strict=True)
        if label in CIC_TO_CODE
    ]
    predicted = model.predict([text for text, _ in pairs]).labels
    agree = sum(guess == code for guess, (_, code) in zip(predicted, pairs, strict=True))
    return agree / len(pairs), len(pairs)


def _custom_model_f1(train: Path, dev: Path, limit: int | None) -> tuple[float, float]:
    """Macro-F1 and accuracy on dev of a model trained the way ``kefu intent train`` does."""
    from kefu.understanding.jsonl import read_examples
    from kefu.understanding.model import IntentModel, evaluate

    texts, labels = read_examples(train, "sentence", "label")
    limit = limit or len(texts)
    with tempfile.TemporaryDirectory() as directory:
        IntentModel.train(texts[:limit], labels[:limit]).save(Path(directory))
        model = IntentModel.load(Path(directory))
    scores = evaluate(model, *read_examples(dev, "sentence", "label"))
    return scores.macro_f1, scores.accuracy


def _baseline(train: Path, dev: Path, limit: int | None):  # type: ignore[no-untyped-def]
    """A plain TF-IDF + logistic regression and its dev macro-F1."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline

    texts, labels = _sentences(train, limit)
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3)),
        LogisticRegression(max_iter=1000, random_state=0),
    )
    pipeline.fit(texts, labels)
    dev_texts, dev_labels = _sentences(dev)
    f1 = f1_score(dev_labels, pipeline.predict(dev_texts), average="macro", zero_division=0)
    return pipeline, float(f1)


def run(quick: bool) -> BenchResult:
    from threadpoolctl import threadpool_limits

    from kefu.understanding.default import default_model
    from kefu.understanding.predict import understand

    folder = cic_dir()
    train, dev = folder / "train.json", folder / "dev.json"
    limit = QUICK_TRAIN if quick else None
    count = QUICK_MESSAGES if quick else MESSAGES
    dev_texts = _sentences(dev)[0]
    messages = (dev_texts * (count // len(dev_texts) + 1))[:count]
    with threadpool_limits(1):
        model = default_model()

        def ours(batch: list[str]) -> None:
            understand([{"text": text} for text in batch], model, default=True)

        note("default model, one batch (normalise, intent, emotion, entities):")
        value = _throughput("ours", ours, messages)
        p99 = _p99_ms(ours, messages[: SINGLES // (10 if quick else 1)])
        mapped, mapped_count = _default_on_cic(model, dev)
        note(f"default model on {mapped_count:,} mapped CIC dev sentences: {mapped:.4f}")
        note(f"training on CIC train{f' (first {limit:,})' if limit else ''}, evaluating on dev")
        f1, accuracy = _custom_model_f1(train, dev, limit)
        note(f"  ours: macro-F1 {f1:.4f}, accuracy {accuracy:.4f}")
        baseline, baseline_f1 = _baseline(train, dev, limit)
        note(f"  baseline TF-IDF + logistic regression: macro-F1 {baseline_f1:.4f}")
        baseline_value = _throughput("baseline", baseline.predict_proba, messages)
    return BenchResult(
        bench="intent",
        metric="messages_per_second",
        value=round(value),
        unit="messages/s",
        baseline="plain TF-IDF (char 1-3) + logistic regression predict_proba on the same "
        "messages, one core; ratio = ours / baseline",
        baseline_value=round(baseline_value),
        ratio=round(value / baseline_value, 3),
        extra={
            "messages": count,
            "p99_ms": round(p99, 3),
            "macro_f1_dev": round(f1 * 100, 2),
            "accuracy_dev": round(accuracy * 100, 2),
            "default_cic_mapped_accuracy": round(mapped * 100, 2),
            "default_cic_mapped_messages": mapped_count,
            "baseline_macro_f1_dev": round(baseline_f1 * 100, 2),
        },
    )
