"""Shared test settings.

Under CI (CI=true) hypothesis draws a fixed sequence of examples (derandomize), so a run's
verdict is reproducible from its commit; locally each run explores new examples.
"""
import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("true", "1"):
    settings.load_profile("ci")


@pytest.fixture
def course():
    """course.py as a module (it is a script at the root, not part of the package): a fresh
    copy per test, so monkeypatching its globals reaches no other test."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "course", Path(__file__).resolve().parents[1] / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The variables that steer the processes tests start (kernels, JupyterLab, compilers): a
# library's first import may set others (torch sets TORCHINDUCTOR_CACHE_DIR), which is not a
# test's doing.
STEERING = ("NUMBA_", "NPY_", "OPENBLAS_", "OMP_", "MKL_", "DL_LESSONS_", "TQDM_", "JUPYTER",
            "MPL", "PYTHON", "XDG_", "PATH")


@pytest.fixture(autouse=True)
def environment_left_as_found():
    """A test leaves the variables that steer subprocesses as it found them (monkeypatch
    undoes what it set): a leaked one reaches every later subprocess, the browser tests'
    JupyterLab kernels included. A leaked NUMBA_CACHE_DIR once made each of them compile every
    kernel into a cold cache."""
    before = dict(os.environ)
    yield
    changed = sorted(k for k in before.keys() | os.environ.keys()
                     if k.startswith(STEERING) and before.get(k) != os.environ.get(k))
    if changed:
        for k in changed:
            if k in before:
                os.environ[k] = before[k]
            else:
                del os.environ[k]
        pytest.fail(f"the test left os.environ changed: {', '.join(changed)}", pytrace=False)


# --- one pytest marker per chapter -------------------------------------------------------------
# `pytest -m ch07` (or `python3 course.py test -m ch07`) runs chapter 07's tests: everything under
# tests/chapters/ch07/, the parametrized cases of other tests that name the chapter (chNN in
# the test id, e.g. the exercise checks), and its browser test (07_* in the id).
import re  # noqa: E402

from lessons.chapters.table import CHAPTERS, marker  # noqa: E402

_CHAPTER_IN_ID = re.compile(r"(?<![a-z0-9])ch(\d\d)(?![0-9])|(?<=[\[/-])(\d\d)_[a-z]")


def pytest_configure(config):
    for number, title in CHAPTERS.items():
        config.addinivalue_line("markers", f"{marker(number)}: chapter {number:02d}, {title}")


def chapter_of(nodeid):
    """The chapter number a test id names (tests/chapters/ch07/..., [ch07], [07_convolution]),
    or None."""
    for groups in _CHAPTER_IN_ID.findall(nodeid):
        number = int(groups[0] or groups[1])
        if number in CHAPTERS:
            return number
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not item.nodeid.startswith(("tests/chapters/", "tests/browser/")):
            continue
        number = chapter_of(item.nodeid)
        if number is not None:
            item.add_marker(getattr(pytest.mark, marker(number)))


# --- two workers ----------------------------------------------------------------------------
# `course.py test` runs the tests on two pytest-xdist workers (--dist loadscope, in collection
# order). A unit of work is a test module, so a module's fixtures and the models its tests
# train stay on one worker, except the chapters' browser tests: one unit per chapter (in the
# worker's own JupyterLab), so both workers share them. They come last in each worker
# (tests/browser/conftest.py says why). The units come from a scheduler of our own, not from
# xdist_group marks and --dist loadgroup: pytest 9 keeps a test's id where xdist 3.8 can no
# longer append the group to it, and loadgroup silently sent every test on its own
# (pytest-dev/pytest-xdist#1386; chapter 06's Table 6.2, a module fixture, was computed on
# both workers).
NOTEBOOKS_IN_LAB = "tests/browser/test_notebooks_in_lab.py"


def work_unit(nodeid):
    path, _, name = nodeid.partition("::")
    if path == NOTEBOOKS_IN_LAB and "[" in name:
        return f"browser-{name[name.index('[') + 1:name.rindex(']')]}"
    return path


def pytest_xdist_make_scheduler(config, log):
    """--dist loadscope with work_unit as the scope of a test."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)
