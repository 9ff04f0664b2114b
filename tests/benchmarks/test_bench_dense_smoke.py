"""benchmarks/bench_dense.py runs at tiny sizes and prints complete tables. No timing is asserted."""
import re

import numpy as np
import pytest

from _benchmarks import load

TINY = ["--batches", "8", "--steps", "2", "--n", "300", "--twin-slice", "50", "--peak-n", "64",
        "--repeat", "1", "--slow-repeat", "1"]


bench = load("bench_dense")


def _tables(report):
    """Every Markdown table of the report as (header, rows)."""
    tables, block = [], []
    for line in report.splitlines() + [""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip("|").split("|")])
        elif block:
            tables.append((block[0], block[2:]))
            block = []
    return tables


@pytest.fixture(scope="module")
def report():
    return bench.main(TINY + ["--no-torch"])


def test_step_table_has_every_case_and_implementation(report):
    (header, rows), _, _ = _tables(report)
    assert header[:5] == ["case", "implementation", "s per step", "ns per sample",
                          "x slower than lessons layers (Dense, ReLU, SGD)"]
    names = [bench.LAYERS, bench.LESSONS, bench.RAW, bench.TWINS]
    assert [(r[0], r[1]) for r in rows] == [
        (case, name) for case in ("B=8, 1 thread", "B=8, 2 threads") for name in names]
    assert all(float(r[2]) > 0 for r in rows)
    assert [r[4] for r in rows if r[1] == bench.LAYERS] == ["1.0", "1.0"]
    assert "PyTorch left out (--no-torch)" in report


def test_epoch_table_peaks_and_target_lines(report):
    _, (header, rows), (peak_header, peaks) = _tables(report)
    assert header[4] == "x slower than Numba kernel, float32"
    assert [r[1] for r in rows] == [
        bench.EPOCH32, bench.EPOCH64, bench.EPOCH_PUBLIC,
        f"{bench.TWIN32}, BLAS 1 thread", f"{bench.TWIN64}, BLAS 1 thread",
        f"{bench.TWIN32}, BLAS 2 threads", f"{bench.TWIN64}, BLAS 2 threads"]
    assert {r[0] for r in rows} == {"784-25-10, n=300"}
    assert all(r[6] == "1 run on 50, extrapolated x6" for r in rows if "twin" in r[1])
    assert [(p[0], p[1]) for p in peaks] == [("float32", "1"), ("float32", "2"),
                                             ("float64", "1"), ("float64", "2")]
    assert re.search(r"^- per-example trainer vs its NumPy twin .*: [\d.]+x \(target >= 20x\)",
                     report, re.M)
    # float64 and the same rows: the kernel and the twin count the same correct predictions
    assert re.search(r"float64: Numba [\d,]+, twin [\d,]+ \(same\)", report)


def test_first_step_losses_agree(report):
    spread = re.search(r"B=8: first-step loss [\d.]+, largest difference between "
                       r"implementations ([\d.e+-]+)", report)
    assert spread and float(spread.group(1)) < 1e-4


def test_torch_column_or_install_note(capsys):
    torch = bench.import_torch()
    text = bench.main(TINY[:4] + ["--n", "100", "--twin-slice", "20", "--peak-n", "32",
                                  "--repeat", "1", "--slow-repeat", "1"])
    (_, rows), _, _ = _tables(text)
    has_torch = any(r[1] == bench.TORCH for r in rows)
    assert has_torch == (torch is not None)
    if torch is None:
        assert bench.TORCH_MISSING in text
    else:
        assert re.search(r"PyTorch eager / lessons = [\d.]+ \(layers\), [\d.]+ \(validated "
                         r"kernels\)", text)
    assert capsys.readouterr().out.strip() == text


def test_step_implementations_compute_the_same_step():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 6)
    results = []
    for step in (bench.lessons_step, bench.raw_step, bench.twin_step):
        params = bench.init_dense(0)
        loss = step(params, X, labels, 0.1)
        results.append((loss, params))
    layers_step = bench.layers_stepper(bench.init_dense(0), X, labels, 0.1)
    results.append((layers_step(), layers_step.params()))
    for loss, params in results[1:]:
        assert loss == pytest.approx(results[0][0], rel=1e-5)
        for got, want in zip(params, results[0][1]):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_flop_count_of_the_book_network():
    # 2 x (25 x 785 + 10 x 26) forward, 2 x 10 x 25 hidden error, the same again for updates
    assert bench.mlp_flops(784, 25, 10) == 2 * 19625 + 2 * 260 + 500 + 2 * 19625 + 2 * 260
