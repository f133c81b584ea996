"""``kefu bench rfm``: ``kefu rfm`` on the UCI Online Retail file (541,909 lines), end to
end in-process: gunzip, read, check every line, exact amounts, RFM per customer, scores,
segments and the CSV text. Target: under 1 s.

Baseline, measured in the same run: pandas ``read_csv`` of the same file and a
``groupby`` per customer (last order date, distinct invoices, summed Quantity×UnitPrice)
after the same filtering, in floats and without checks, scores or output. Each side runs
``REPEATS`` times and the fastest run counts (the first run pays one-time warm-up). The
CLI as a person runs it (a new Python process, imports included) is timed once, as
``cli_seconds``. CPU seconds (all threads) of the fastest runs are reported too, as the
wall time depends on what else the machine is doing."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kefu.bench import BenchResult, Stopwatch, note
from kefu.bench.import_file import _first_lines, dataset
from kefu.errors import DomainError

QUICK_LINES = 50_000
REPEATS = 3
MAPPING = {
    "customer_id": "CustomerID",
    "order_id": "InvoiceNo",
    "ordered_at": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
}


def ours(path: Path) -> tuple[int, str]:
    """Lines read and the CSV ``kefu rfm`` would print."""
    from kefu.crm.rfm import rfm_table, to_csv
    from kefu.crm.rfm_file import read_order_lines

    found = read_order_lines(path, MAPPING)
    return found.read, to_csv(rfm_table(found.lines, scale=found.scale))


def pandas_baseline(path: Path) -> int:
    """Customers found by a plain pandas read_csv + groupby of the same file."""
    try:
        import pandas as pd
    except ImportError:
        raise DomainError(
            "the rfm benchmark's baseline needs pandas (pip install 'kefu[test]')"
        ) from None

    frame = pd.read_csv(path, usecols=list(MAPPING.values()), dtype={"CustomerID": str})
    frame = frame[frame["CustomerID"].notna()]
    frame = frame.assign(amount=frame["Quantity"] * frame["UnitPrice"])
    frame = frame[frame["amount"] > 0]
    frame = frame.assign(day=pd.to_datetime(frame["InvoiceDate"]).dt.normalize())
    per_customer = frame.groupby("CustomerID").agg(
        last=("day", "max"), frequency=("InvoiceNo", "nunique"), monetary=("amount", "sum")
    )
    return len(per_customer)


def _fastest(label: str, work, path: Path, repeats: int):  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds of all threads) of the fastest run, and its result."""
    best, cpu, result = float("inf"), 0.0, None
    for attempt in range(1, repeats + 1):
        started = time.process_time()
        with Stopwatch() as watch:
            result = work(path)
        used = time.process_time() - started
        note(f"  {label} run {attempt}: {watch.seconds:.3f} s (CPU {used:.3f} s)")
        if watch.seconds < best:
            best, cpu = watch.seconds, used
    return best, cpu, result


def _cli_seconds(path: Path) -> float:
    """Wall time of ``python -m kefu rfm FILE --map …`` in a new process, output discarded."""
    pairs = [f"{ours}={theirs}" for ours, theirs in MAPPING.items()]
    command = [sys.executable, "-m", "kefu", "rfm", str(path), "--map", *pairs]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(quick: bool) -> BenchResult:
    source = dataset()
    repeats = 1 if quick else REPEATS
    with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
        path = source
        if quick:
            note(f"taking the first {QUICK_LINES:,} lines of {source.name}")
            path = Path(tmp) / "online_retail_quick.csv.gz"
            _first_lines(source, path, QUICK_LINES)
        note("kefu rfm in-process (read, check, compute, CSV) …")
        seconds, cpu, (lines, text) = _fastest("ours", ours, path, repeats)
        customers = text.count("\n") - 1
        note("baseline: pandas read_csv + groupby …")
        baseline_seconds, baseline_cpu, baseline_customers = _fastest(
            "pandas", pandas_baseline, path, repeats
        )
        note(f"  customers: ours {customers:,}, pandas {baseline_customers:,}")
        cli = _cli_seconds(path)
        note(f"  the CLI in a new process (imports included): {cli:.3f} s")
    return BenchResult(
        bench="rfm",
        metric="seconds",
        value=round(seconds, 3),
        unit="s",
        baseline="pandas read_csv + groupby of the same file (fastest of the runs); "
        "baseline_value in s; ratio = ours_seconds / baseline_seconds",
        baseline_value=round(baseline_seconds, 3),
        ratio=round(seconds / baseline_seconds, 3),
        extra={
            "lines": lines,
            "customers": customers,
            "cpu_seconds": round(cpu, 3),
            "baseline_cpu_seconds": round(baseline_cpu, 3),
            "cli_seconds": round(cli, 3),
        },
    )
