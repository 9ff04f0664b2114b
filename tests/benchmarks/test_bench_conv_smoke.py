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
    conv = [bench.LESSONS, bench.RAW, bench.OTHER_GRAD, bench.TWINS, bench.NUMPY_IM2COL]
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


def test_one_shape_alone_times_a_forward_and_backward():
    """--alone's child: the best of a few calls of one 3x3 shape, in seconds."""
    label = next(label for label, *_, k, pad in bench.CONV_SHAPES if k == 3)
    names = [bench.RAW] + ([bench.TORCH] if bench.import_torch() is not None else [])
    for name in names:
        seconds = bench.one_alone(label, name, batch=2, threads=1, calls=2)
        assert 0 < seconds < 10


def test_alone_says_what_to_install_without_torch():
    if bench.import_torch() is not None:
        pytest.skip("PyTorch is installed: --alone would run the whole table (minutes)")
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--alone"])
    assert exit_.value.code == bench.TORCH_MISSING
