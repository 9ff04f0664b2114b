"""benchmarks/bench_weidman.py runs at a tiny size and prints a complete table (no timings
are asserted), and its NumPy-twin step trains the same network as the layers do."""
import importlib.util
import sys
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
_spec = importlib.util.spec_from_file_location("bench_weidman", BENCHMARKS / "bench_weidman.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_tiny_report_has_every_row_and_the_target_line():
    report = bench.main(["--n", "120", "--batch", "60", "--twin-batches", "1",
                         "--torch-batches", "1", "--no-torch"])
    rows = [line for line in report.splitlines() if line.startswith("| Weidman CNN")]
    assert [r.split("|")[2].strip() for r in rows] == [bench.LESSONS, bench.TWIN]
    assert "(target >= 30x)" in report and "10 minutes per epoch" in report


def test_twin_step_lowers_the_loss_on_a_repeated_batch():
    X, y = bench.data(60)
    step = bench.twin_stepper(seed=0)
    losses = [step(X, y) for _ in range(5)]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
