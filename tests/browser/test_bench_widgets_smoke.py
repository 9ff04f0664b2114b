"""benchmarks/bench_widgets.py prints its table: one chapter, one move per control.

Run in a subprocess of its own: Playwright's sync API refuses to start inside the event loop
another Playwright session of this pytest process left behind."""
import subprocess
import sys
from pathlib import Path

import pytest

from lessons.doctor import CHROMIUM

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_bench_widgets_prints_a_row_per_widget(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_widgets.py"),
                           "--only", "02_", "--moves", "1"], capture_output=True, text=True,
                          timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("| chapter | widget | controls | p50 | p95 | max | p50 new states | kernel p50 "
            "| unchanged |" in done.stdout)
    row = next(line for line in done.stdout.splitlines()
               if line.startswith("| 02 | descent_explorer | redraw"))
    assert row.split("|")[8].strip().endswith(" ms")  # the View reported its frames' time
