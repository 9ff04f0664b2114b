"""bench_widgets.py's table: the moves of a retraining control that trained and those that went
back to a run already trained are reported apart, with the kernel's own time per frame and the
p50 of the moves to states not shown before. And the lab's kernels import this checkout's
widgets, whichever checkout the venv was installed from."""
import os
from pathlib import Path

from _benchmarks import load

bench = load("bench_widgets")

RESULTS = [
    {"chapter": "03", "widget": "mlp_playground", "control": "seed", "retrain": True,
     "ms": [30.0, 40.0, None, 200.0, 180.0], "busy": [True, True, False, False, False],
     "kernel": [None, None, None, 120.0, 100.0], "back": [False] * 3 + [True] * 2},
    {"chapter": "03", "widget": "mlp_playground", "control": "show epoch", "retrain": False,
     "ms": [90.0, 70.0], "busy": [False, False], "kernel": [40.0, 30.0],
     "back": [False, True]},
]


def rows(text):
    return {tuple(c.strip() for c in line.strip("|").split("|"))[2]:
            [c.strip() for c in line.strip("|").split("|")]
            for line in text.splitlines()[2:]}


def test_trained_and_cached_moves_are_rows_of_their_own():
    table = rows(bench.table(RESULTS))
    assert set(table) == {"retrain, to progress (1)", "retrain control, run cached (1)",
                          "redraw (1)"}
    assert table["retrain, to progress (1)"][3:] == ["35 ms", "40 ms", "40 ms", "35 ms", "",
                                                     "0"]
    assert table["retrain control, run cached (1)"][3:] == ["190 ms", "199 ms", "200 ms", "",
                                                            "110 ms", "1"]
    assert table["redraw (1)"][3:] == ["80 ms", "89 ms", "90 ms", "90 ms", "35 ms", "0"]


def test_files_written_before_the_split_still_make_a_table():
    old = [{k: v for k, v in r.items() if k not in ("busy", "kernel", "back")}
           for r in RESULTS]
    table = rows(bench.table(old))
    assert set(table) == {"retrain (1)", "redraw (1)"}
    assert table["retrain (1)"][6:] == ["", "", "1"]  # no new-state or kernel p50; 1 unchanged


def test_the_lab_kernels_import_this_checkouts_widgets(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/elsewhere", ""]))
    path = bench.lab_environment(tmp_path)["PYTHONPATH"].split(os.pathsep)
    assert path == [str(bench.ROOT), "/elsewhere"]
    assert (Path(path[0]) / "widgets" / "base.py").is_file()
    monkeypatch.delenv("PYTHONPATH")
    assert bench.lab_environment(tmp_path)["PYTHONPATH"] == str(bench.ROOT)


def test_the_controls_over_target_are_listed_control_by_control():
    results = [
        {"chapter": "01", "widget": "w", "control": "fast", "retrain": False,
         "ms": [60.0, 70.0, 80.0, 30.0, 30.0], "back": [False] * 3 + [True] * 2},
        {"chapter": "01", "widget": "w", "control": "slow", "retrain": False,
         "ms": [120.0, 130.0, 110.0, 30.0, None], "back": [False] * 3 + [True] * 2},
        {"chapter": "01", "widget": "w", "control": "spiky", "retrain": False,
         "ms": [40.0, 40.0, 900.0, 30.0, 30.0], "back": [False] * 3 + [True] * 2},
    ] + RESULTS  # the retraining control is not counted
    lines = bench.over_target(results).splitlines()
    assert lines[0] == "2 of 4 redrawing controls at p50 <= 100 ms and p95 <= 250 ms; over:"
    assert lines[1] == ("- 01 w 'slow': p50 115 ms, p95 128 ms (moves: 120, 130, 110, 30; "
                        "new states 120, 130, 110)")
    assert lines[2].startswith("- 01 w 'spiky': p50 40 ms, p95 728 ms") and len(lines) == 3
    assert bench.over_target(results[:1]) == ("1 of 1 redrawing controls at p50 <= 100 ms and "
                                              "p95 <= 250 ms")
