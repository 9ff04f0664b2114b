"""`python3 course.py doctor`: each row's ok and problem path, the exit status, the real run."""
import gzip
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from lessons import _numba_cache, doctor, warmup
from lessons.data import mnist
from tests.data.test_data_mnist import write_tiny_set  # a sibling folder: by its full name

ROOT = Path(__file__).resolve().parents[2]


def statuses(rows):
    return {row.name: row.status for row in rows}


def fake_versions(monkeypatch, **versions):
    """Pretend these distributions have these versions (None: not installed)."""
    real = metadata.version

    def version(dist):
        if dist in versions:
            if versions[dist] is None:
                raise metadata.PackageNotFoundError(dist)
            return versions[dist]
        return real(dist)

    monkeypatch.setattr(metadata, "version", version)


# Versions: Python, numpy, numba, llvmlite, scipy; ipywidgets, jupyterlab_widgets, JupyterLab.

def test_this_environment_meets_every_version_bound():
    rows = doctor.check_versions()
    assert [row.name for row in rows] == ["Python", *doctor.PACKAGES]
    assert set(statuses(rows).values()) == {doctor.OK}, doctor.format_table(rows)


def test_versions_come_from_the_course_and_from_numba():
    def bounds(dist, name):
        [requirement] = [Requirement(text) for text in metadata.requires(dist)
                         if Requirement(text).name == name]
        return {spec.operator: spec.version for spec in requirement.specifier}

    found = {row.name: row.found for row in doctor.check_versions()}
    assert f">={bounds('dl-lessons', 'scipy')['>=']}" in found["scipy"]
    assert f"<{bounds('numba', 'numpy')['<']}" in found["numpy"]


def test_numpy_beyond_numbas_bound_fails_naming_numba(monkeypatch):
    fake_versions(monkeypatch, numpy="9.0")
    row = next(r for r in doctor.check_versions() if r.name == "numpy")
    assert row.status == doctor.FAIL
    assert row.found.startswith("9.0, but ") and f"numba {metadata.version('numba')} needs" in \
        row.found
    assert row.fix.startswith(f"{sys.executable} -m pip install 'numpy>=")


def test_old_python_fails(monkeypatch):
    monkeypatch.setattr(doctor.platform, "python_version", lambda: "3.9.18")
    row = doctor.check_versions()[0]
    assert (row.name, row.status) == ("Python", doctor.FAIL)
    assert "the course needs >=3.11" in row.found and "course.py lab" in row.fix


def test_widget_versions_must_match_each_other(monkeypatch):
    fake_versions(monkeypatch, jupyterlab_widgets="1.1.1", jupyterlab="2.3.2")
    rows = {row.name: row for row in doctor.check_versions()}
    assert rows["jupyterlab_widgets"].status == doctor.FAIL
    assert f"ipywidgets {metadata.version('ipywidgets')} needs ~=3" in \
        rows["jupyterlab_widgets"].found
    assert rows["jupyterlab"].status == doctor.FAIL
    assert "the course needs >=" in rows["jupyterlab"].found


def test_missing_packages(monkeypatch):
    fake_versions(monkeypatch, scipy=None, jupyterlab=None)
    rows = statuses(doctor.check_versions())
    assert rows["scipy"] == doctor.FAIL
    assert rows["jupyterlab"] == doctor.WARN  # a hub may run JupyterLab from elsewhere


def test_course_not_installed(monkeypatch):
    def requires(dist):
        raise metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(metadata, "requires", requires)
    [row] = doctor.check_versions()
    assert (row.name, row.status) == ("dl-lessons", doctor.FAIL)
    assert "course.py lab" in row.fix


# The Numba cache.

def test_cache_beside_the_sources_is_ok(monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    [row] = doctor.check_numba_cache()
    assert row.status == doctor.OK and "writable, owned by " in row.found


def test_uncached_is_a_warning(monkeypatch):
    monkeypatch.setattr(_numba_cache, "_uncached", True)
    [row] = doctor.check_numba_cache()
    assert row.status == doctor.WARN and "NUMBA_CACHE_DIR" in row.fix


def test_a_cache_folder_others_may_write_to_fails(monkeypatch, tmp_path):
    tmp_path.chmod(0o777)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    [row] = doctor.check_numba_cache()
    assert row.status == doctor.FAIL and "other users may write to it" in row.found
    assert "NUMBA_CACHE_DIR" in row.fix


@pytest.mark.skipif(os.name != "posix", reason="ownership is checked on POSIX systems")
def test_a_cache_folder_of_another_user_fails(monkeypatch, tmp_path):
    tmp_path.chmod(0o700)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: tmp_path.stat().st_uid + 1)
    [row] = doctor.check_numba_cache()
    assert row.status == doctor.FAIL and "it belongs to" in row.found


# Kernels, data, Chromium.

def test_every_kernel_compiles():
    [row] = doctor.check_kernels()
    assert row.status == doctor.OK, row.found
    assert row.found.startswith(f"{len(warmup.kernel_calls(warmup.DTYPES[0]))} kernels")


def test_a_kernel_that_fails_is_named(monkeypatch):
    def broken():
        raise TypeError("No implementation of function\nand 40 more lines")

    monkeypatch.setattr(warmup, "kernel_calls", lambda dtype: {"relu": broken, "tanh": int})
    [row] = doctor.check_kernels()
    assert row.status == doctor.FAIL
    assert row.found == ("2 failed to compile or run: relu (float64): TypeError: No "
                         "implementation of function; relu (float32): TypeError: No "
                         "implementation of function")


def test_mnist_checksums_hold():
    [row] = doctor.check_mnist()
    assert row.status == doctor.OK


def test_a_damaged_or_missing_mnist_file_fails(monkeypatch, tmp_path):
    for name in mnist.MNIST_SHA256:
        (tmp_path / name).write_bytes((mnist.MNIST_DIR / name).read_bytes())
    damaged = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = damaged.read_bytes()
    damaged.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    (tmp_path / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.setattr(mnist, "MNIST_DIR", tmp_path)
    [row] = doctor.check_mnist()
    assert row.status == doctor.FAIL
    assert row.found == ("train-images-idx3-ubyte.gz: missing; t10k-labels-idx1-ubyte.gz: "
                         "sha256 differs (the file is damaged or was replaced)")


def test_chromium(monkeypatch, tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setattr(doctor, "CHROMIUM", browser)
    assert statuses(doctor.check_chromium()) == {"Chromium": doctor.OK}
    monkeypatch.setattr(doctor, "CHROMIUM", tmp_path / "missing")
    [row] = doctor.check_chromium()
    assert row.status == doctor.WARN and row.fix == "sudo apt-get install chromium"


def test_fashion_mnist_found_where_the_loader_looks(monkeypatch, tmp_path):
    write_tiny_set(tmp_path, "train")
    write_tiny_set(tmp_path, "test")
    monkeypatch.setenv(mnist.FASHION_MNIST_ENV, str(tmp_path))
    assert doctor.check_fashion_mnist() == [doctor.Check("Fashion-MNIST", doctor.OK,
                                                         str(tmp_path))]


def test_fashion_mnist_missing_or_damaged_is_a_warning(monkeypatch, tmp_path):
    monkeypatch.delenv(mnist.FASHION_MNIST_ENV, raising=False)
    monkeypatch.setattr(mnist, "FASHION_MNIST_DIR", tmp_path / "not-installed")
    [row] = doctor.check_fashion_mnist()
    assert row.status == doctor.WARN and "not-installed is missing" in row.found
    assert row.fix == mnist.FASHION_MNIST_INSTALL and "apt-get" not in row.found
    write_tiny_set(tmp_path, "train")
    write_tiny_set(tmp_path, "test")
    labels = tmp_path / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(gzip.decompress(labels.read_bytes())[:-3]))
    monkeypatch.setenv(mnist.FASHION_MNIST_ENV, str(tmp_path))
    [row] = doctor.check_fashion_mnist()
    assert row.status == doctor.WARN and "t10k-labels-idx1-ubyte.gz" in row.found


# The report and its exit status.

def test_a_check_that_crashes_becomes_a_fail_row(monkeypatch):
    def check_broken():
        raise ModuleNotFoundError("No module named 'numpy'")

    monkeypatch.setattr(doctor, "CHECKS", (check_broken, doctor.check_chromium))
    rows = doctor.run_checks()
    assert rows[0] == doctor.Check(
        "broken", doctor.FAIL, "could not run: ModuleNotFoundError: No module named 'numpy'",
        rows[0].fix)
    assert rows[1].name == "Chromium"


@pytest.mark.parametrize("status, code", [(doctor.OK, 0), (doctor.WARN, 0), (doctor.FAIL, 1)])
def test_only_a_fail_row_makes_the_exit_status_non_zero(monkeypatch, capsys, status, code):
    rows = [doctor.Check("numpy", doctor.OK, "2.4.6"),
            doctor.Check("thing", status, "what was found", "how to fix it")]
    monkeypatch.setattr(doctor, "CHECKS", (lambda: rows,))
    assert doctor.main() == code
    out = capsys.readouterr().out
    assert "numpy  2.4.6" in out
    assert ("fix: how to fix it" in out) == (status != doctor.OK)


@pytest.mark.slow
def test_course_py_doctor_runs_and_passes_here():
    result = subprocess.run([sys.executable, "course.py", "doctor"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ["Python", *doctor.PACKAGES, "Numba cache", "kernels", "MNIST", "Chromium",
                 "Fashion-MNIST"]:
        assert f"  {name} " in result.stdout
    assert "Ready for the course" in result.stdout
