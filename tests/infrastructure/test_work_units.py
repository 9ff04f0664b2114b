"""`course.py test`'s two workers take the tests a unit at a time: a module (its fixtures are
computed once), or one chapter of the browser tests."""
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.conftest import work_unit

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("tests/data/test_data_idx.py", "tests/data/test_data_generators.py",
           "tests/infrastructure/test_chapter_table.py")


def test_a_unit_is_a_module_or_a_chapter_in_the_browser():
    assert work_unit("tests/data/test_data_idx.py::test_x[a-1]") == "tests/data/test_data_idx.py"
    assert work_unit("tests/browser/test_notebooks_in_lab.py::"
                     "test_chapter_runs_and_every_slider_redraws[07_convolution]") == (
        "browser-07_convolution")
    assert work_unit("tests/browser/test_byok_in_lab.py::test_feature_maps[07_convolution]") == (
        "tests/browser/test_byok_in_lab.py")


def test_each_module_runs_on_one_worker():
    """Through pytest-xdist itself: xdist_group marks with --dist loadgroup had stopped doing
    this without a word under pytest 9 (pytest-dev/pytest-xdist#1386)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadscope",
         "--no-loadscope-reorder", "-p", "no:cacheprovider", "-v", *MODULES],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers = defaultdict(set)
    for worker, module in re.findall(r"\[(gw\d)\].*? PASSED (\S+?\.py)::", done.stdout):
        workers[module].add(worker)
    assert set(workers) == set(MODULES), done.stdout[-3000:]
    assert all(len(w) == 1 for w in workers.values()), dict(workers)
