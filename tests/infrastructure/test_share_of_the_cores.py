"""Notebook kernels started side by side (one per pytest-xdist worker, under nbval and in the
browser tests) get an equal share of the cores, not every core each."""
import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from lessons.kernels.threads import THREAD_VARIABLES, share_of_the_cores

ROOT = Path(__file__).resolve().parents[2]


def test_one_process_keeps_every_core_and_several_share_them():
    assert share_of_the_cores(1) == {}
    cores = os.cpu_count() or 1
    for processes in (2, 3, cores, 2 * cores):
        share = share_of_the_cores(processes)
        assert set(share) == set(THREAD_VARIABLES)
        assert set(share.values()) == {str(max(1, cores // processes))}


@pytest.mark.parametrize("workers", [None, "2"])
def test_nbval_kernels_of_xdist_workers_get_their_share(monkeypatch, workers):
    """The root conftest sets the variables nbval's kernels inherit, only in a worker of
    several (the controller, or one process, keeps every core)."""
    for name in (*THREAD_VARIABLES, "TQDM_DISABLE", "PYTEST_XDIST_WORKER_COUNT"):
        monkeypatch.setenv(name, "")  # so that monkeypatch restores it after the test
        monkeypatch.delenv(name)
    if workers:
        monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", workers)
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    root.pytest_configure(SimpleNamespace(option=SimpleNamespace(
        nbval=True, nbval_sanitize_with="set")))
    seen = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    want = share_of_the_cores(int(workers or 1)) or dict.fromkeys(THREAD_VARIABLES)
    assert seen == want
    assert os.environ["TQDM_DISABLE"] == "1"


def test_a_test_worker_takes_its_share_itself():
    import numba

    from lessons.kernels.threads import _blas_libraries, take_share_of_the_cores
    saved = numba.get_num_threads(), [lib.get_num_threads() for lib in _blas_libraries()]
    try:
        take_share_of_the_cores(2 * (os.cpu_count() or 1))
        assert numba.get_num_threads() == 1
        assert all(lib.get_num_threads() == 1 for lib in _blas_libraries())
    finally:
        numba.set_num_threads(saved[0])
        for lib, n in zip(_blas_libraries(), saved[1]):
            lib.set_num_threads(n)
