"""benchmarks/bench_conv.py runs at tiny sizes and prints a complete table. No timing is asserted."""
import re

import pytest

from _benchmarks import load

TINY = ["--tiny", "--batch", "2", "--repeat", "1"]


bench = load("bench_conv")


def _table(report):
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in report.splitlines() if line.startswith("|")]
    return rows[0], rows[2:]


@pytest.fixture(scope="module")
def report():
    return bench.main(TINY + ["--no-torch"])


def test_table_has_every_case_and_implementation(report):
    header, rows = _table(report)
    assert header[:5] == ["case", "implementation", "s per batch", "ns per image",
                          "x slower than lessons kernels (validated)"]
    labels = [label for label, *_ in bench.TINY_SHAPES] + ["max-pool 2x2 of [2, 2, 6, 6]"]
    conv = [bench.LESSONS, bench.RAW, bench.TWINS, bench.NUMPY_IM2COL]
    pool = [bench.LESSONS, bench.RAW, bench.TWINS]
    assert [(r[0], r[1]) for r in rows] == [
        (f"{label}, {threads}", name) for threads in ("1 thread", "2 threads")
        for label in labels for name in (pool if label.startswith("max-pool") else conv)]
    assert all(float(r[2]) > 0 for r in rows)
    assert {r[4] for r in rows if r[1] == bench.LESSONS} == {"1.0"}
    assert "PyTorch left out (--no-torch)" in report


def test_all_implementations_agree(report):
    differences = re.findall(r"largest difference from the NumPy twin's gradients ([\d.e+-]+)",
                             report)
    assert len(differences) == 3 and all(float(d) < 1e-4 for d in differences)


def test_torch_rows_and_target_lines_or_install_note(capsys):
    torch = bench.import_torch()
    text = bench.main(TINY)
    _, rows = _table(text)
    assert any(r[1] == bench.TORCH for r in rows) == (torch is not None)
    if torch is None:
        assert bench.TORCH_MISSING in text
    else:
        assert re.search(r"^- PyTorch / Numba conv fwd\+bwd at conv 1->2 3x3 on 8x8, 1 thread: "
                         r"[\d.]+ \(validated\), [\d.]+ \(no checks\) \(target: within 1\.5x",
                         text, re.M)
        assert re.search(r"^- PyTorch / Numba max-pool fwd\+bwd at ", text, re.M)
    assert capsys.readouterr().out.strip() == text
