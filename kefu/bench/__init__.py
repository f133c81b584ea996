"""The benchmark harness behind ``kefu bench NAME [--quick]``.

One module per benchmark, each with ``run(quick: bool) -> BenchResult``; register it in
``BENCHMARKS``. Progress goes to stderr; the CLI prints ``BenchResult.to_json()`` as the
last line of stdout. Every benchmark measures its baseline in the same run."""

from __future__ import annotations

import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

BENCHMARKS = {
    "import": "kefu.bench.import_file",
    "chat": "kefu.bench.chat",
    "writer": "kefu.bench.writer",
    "rfm": "kefu.bench.rfm",
    "idle": "kefu.bench.idle",
    "intent": "kefu.bench.intent",
    "qa": "kefu.bench.qa",
    "reports": "kefu.bench.reports",
    "cases": "kefu.bench.cases",
}
# Options only some benchmarks take (``kefu bench reports --conversations N``).
OPTIONS = {
    "reports": frozenset({"conversations", "database_url"}),
    "chat": frozenset({"processes", "database_url", "redis_url"}),
    "cases": frozenset({"cases", "database_url"}),
}


@dataclass(frozen=True, slots=True)
class BenchResult:
    bench: str
    metric: str
    value: float
    unit: str
    baseline: str  # what the baseline is, and how ``ratio`` is computed
    baseline_value: float
    ratio: float
    extra: dict[str, Any] = field(default_factory=dict)  # further figures, flattened

    def to_json(self) -> str:
        fields = asdict(self)
        return json.dumps(fields | fields.pop("extra"), ensure_ascii=False)


def note(message: str) -> None:
    """Progress for the person watching (stderr, so stdout stays machine-readable)."""
    print(message, file=sys.stderr, flush=True)


class Stopwatch:
    """``with Stopwatch() as watch: …`` then ``watch.seconds``."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def run_benchmark(name: str, *, quick: bool, **options: Any) -> BenchResult:
    """Run one benchmark; ``options`` are those it takes (see ``OPTIONS``)."""
    module = importlib.import_module(BENCHMARKS[name])
    return module.run(quick, **options)
