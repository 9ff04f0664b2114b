"""The benchmark scripts run and print complete tables. No assertion here is about speed."""
import re

import numpy as np
import pytest

from _benchmarks import load



timing = load("_timing")
bench = load("bench_perceptron")

TINY = ["--n", "3000", "--n784", "300", "--repeat", "1", "--slow-repeat", "1",
        "--numpy-slice", "3000", "--python-slice", "1000", "--python-slice784", "100"]


def _table_rows(report):
    lines = [line for line in report.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    return header, rows


@pytest.fixture(scope="module")
def report():
    return bench.main(TINY)


def test_table_has_every_implementation_in_both_cases(report):
    header, rows = _table_rows(report)
    assert header == ["case", "implementation", "s per epoch", "ns per sample",
                      "x slower than Numba kernel", "same, in thread CPU time", "how measured",
                      "note"]
    assert [(r[0], r[1]) for r in rows] == [
        (case, name) for case in (bench.CASE_2D, bench.CASE_784)
        for name in bench.IMPLEMENTATIONS
    ]
    for row in rows:
        assert len(row) == len(header)
        assert float(row[2]) > 0 and float(row[3].replace(",", "")) > 0
    baselines = [r for r in rows if r[1] == bench.NUMBA]
    assert [r[4:6] for r in baselines] == [["1.0", "1.0"], ["1.0", "1.0"]]


def test_slices_are_labelled_extrapolated(report):
    _, rows = _table_rows(report)
    how = {(r[0], r[1]): r[6] for r in rows}
    assert how[(bench.CASE_2D, bench.PYTHON)] == "1 run on 1,000, extrapolated x3"
    assert how[(bench.CASE_784, bench.PYTHON)] == "1 run on 100, extrapolated x3"
    assert how[(bench.CASE_2D, bench.NUMPY)] == "1 run"


def test_target_lines_and_header(report):
    cpu = r"; [\d.,]+x in thread CPU time$"
    assert re.search(r"^Numba vs scikit-learn \(2-D\): [\d.,]+x \(target >= 10x\)" + cpu,
                     report, re.M)
    assert re.search(r"^Numba vs NumPy per-sample loop \(2-D\): [\d.,]+x \(target >= 100x\)"
                     + cpu, report, re.M)
    assert "thread pools (threadpoolctl): " in report
    assert "OPENBLAS_CORETYPE=" in report and "numba " in report


def test_numba_numpy_and_python_make_the_same_updates(report):
    # float64 and the same visiting order: the three implementations are the same rule.
    line = next(l for l in report.splitlines() if l.startswith(f"- {bench.CASE_2D} updates"))
    assert line.count("(same)") == 2, line


def test_784_case_can_be_skipped(capsys):
    report = bench.main(TINY[:2] + ["--n784", "0"] + TINY[4:])
    _, rows = _table_rows(report)
    assert {r[0] for r in rows} == {bench.CASE_2D}
    assert capsys.readouterr().out.strip() == report


def test_make_data_is_seeded_with_a_bias_column_and_both_labels():
    X, y, order = bench.make_data(500, 4, np.float32, seed=3)
    X2, y2, order2 = bench.make_data(500, 4, np.float32, seed=3)
    assert X.shape == (500, 5) and X.dtype == np.float32 and np.all(X[:, 0] == 1.0)
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert sorted(order) == list(range(500))
    assert np.array_equal(X, X2) and np.array_equal(y, y2) and np.array_equal(order, order2)


def test_python_epoch_matches_the_numpy_twin():
    from lessons import reference

    X, y, order = bench.make_data(400, 2, np.float64, seed=1)
    w = np.zeros(3)
    expected = reference.perceptron_epoch(w, X, y, order, 0.1)
    w_list = [0.0] * 3
    assert bench.python_epoch(w_list, X.tolist(), y.tolist(), order, 0.1) == expected
    assert w_list == w.tolist()


def test_best_of_sets_up_every_run_and_warms_up_first():
    calls = []
    timed = timing.best_of(lambda box: box.append(len(calls)) or len(box),
                           setup=lambda: (calls.append("setup") or [],), repeat=3, warmup=2)
    assert calls.count("setup") == 5 and timed.result == 1
    assert timed.seconds >= 0.0 and timed.cpu_seconds >= 0.0


def test_ratio_table_divides_by_the_baseline_of_each_case():
    M = timing.Measurement
    rows = [M("a", "fast", 0.5, 1000, runs=3, cpu_seconds=0.25),
            M("a", "slow", 2.0, 1000, timed_units=100, cpu_seconds=2.0),
            M("b", "fast", 1.0, 10), M("b", "slow", 30.0, 10, note="n")]
    header, table = _table_rows(timing.ratio_table(rows, "fast", unit="image", per="batch"))
    assert header[2:5] == ["s per batch", "ns per image", "x slower than fast"]
    assert [r[4] for r in table] == ["1.0", "4.0", "1.0", "30.0"]
    assert [r[5] for r in table] == ["1.0", "8.0", "", ""]
    assert table[1][6] == "1 run on 100, extrapolated x10" and table[0][6] == "best of 3"
    assert table[0][3] == "500,000.0"
