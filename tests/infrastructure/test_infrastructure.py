"""The plumbing every chapter relies on: validation, toy data, gradcheck, warm-up.

The Numba cache's own tests are in test_numba_cache.py."""
import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lessons import kernels
from lessons.kernels import checks as validate
from lessons.data import blobs, gate
from lessons.gradcheck import check_gradient, numerical_gradient, relative_error
from lessons.warmup import warm_all

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_kernel_is_warmed():
    assert set(warm_all()) == set(kernels.__all__)


def test_disable_jit_runs_the_same_kernels_as_python():
    code = (
        "import numpy as np, numba\n"
        "from lessons.kernels.perceptron import _perceptron_epoch_kernel\n"
        "from lessons.chapters.ch01_perceptron import train, book_orders\n"
        "from lessons.data import gate\n"
        "assert numba.config.DISABLE_JIT\n"
        "assert not hasattr(_perceptron_epoch_kernel, 'py_func')\n"
        "X, y = gate('NAND')\n"
        "print(train(X, y, (0.2, -0.6, 0.25), 0.1, orders=book_orders()).w.tolist())\n"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[0.4, -0.4, -0.15000000000000002]"


@pytest.mark.parametrize("name", ["NAND", "and", "Or", "XOR"])
def test_gates_have_bias_column_and_pm1_targets(name):
    X, y = gate(name)
    assert X.shape == (4, 3) and np.all(X[:, 0] == 1) and set(y) == {-1.0, 1.0}


def test_gate_rejects_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        gate("NOR")


@pytest.mark.parametrize("separable", [True, False])
def test_blobs_are_seeded(separable):
    a, b = blobs(30, separable=separable, seed=3), blobs(30, separable=separable, seed=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], blobs(30, separable=separable, seed=4)[0])


def test_separable_blobs_are_separated_by_the_generating_direction():
    X, y = blobs(400, separable=True, seed=0)
    assert np.all(y * (X[:, 1:] @ np.array([0.9, 0.6])) >= 0.15 - 1e-12)


@pytest.mark.parametrize("bad, error, match", [
    (dict(n=1), ValueError, "n must be >= 2"),
    (dict(n=2.5), TypeError, "n must be an integer"),
    (dict(seed=-1), ValueError, "seed must be >= 0"),
])
def test_blobs_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        blobs(**bad)


def test_numerical_gradient_matches_analytic_and_leaves_x_alone():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    assert relative_error(g, np.cos(x) * x + np.sin(x)) < 1e-8
    assert np.array_equal(x, before)


def test_check_gradient_catches_a_wrong_gradient():
    f = lambda v: np.sum(v ** 3)  # noqa: E731
    assert check_gradient(f, lambda v: 3 * v ** 2, [0.5, -1.5]) < 1e-8
    assert check_gradient(f, lambda v: 2 * v ** 2, [0.5, -1.5]) > 0.1


@pytest.mark.parametrize("value, error, match", [
    ("abc", TypeError, "X must be a numeric array"),
    (np.array(["a", "b"]), TypeError, "dtype <U1"),
    (np.array([1 + 2j]), TypeError, "must be real"),
    (np.zeros(3), ValueError, r"must be 2-D \[n, d\], got shape \(3,\)"),
    (np.zeros((0, 3)), ValueError, "is empty"),
    (np.array([[np.nan, 1.0]]), ValueError, "NaN or inf"),
])
def test_validate_array_names_argument_and_shape(value, error, match):
    with pytest.raises(error, match=match):
        validate.array("f", "X", value, ndim=2, shape="[n, d]")


def test_validate_inplace_refuses_copies_that_would_lose_updates():
    with pytest.raises(TypeError, match="integer array would truncate"):
        validate.inplace("f", "w", np.zeros(3, dtype=int), ndim=1)
    with pytest.raises(ValueError, match="C-contiguous and writable"):
        validate.inplace("f", "w", np.zeros(6)[::2], ndim=1)
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        validate.inplace("f", "w", frozen, ndim=1)
    with pytest.raises(TypeError, match="NumPy float array"):
        validate.inplace("f", "w", [0.0, 1.0], ndim=1)


def test_validate_indices_guards_out_of_bounds_reads():
    with pytest.raises(ValueError, match=r"order must index rows 0..3, got values in \[0, 4\]"):
        validate.indices("f", "order", [0, 4], upper=4)
    with pytest.raises(ValueError, match="got values in"):
        validate.indices("f", "order", [-1], upper=4)
    with pytest.raises(TypeError, match="integer indices"):
        validate.indices("f", "order", [0.0, 1.0], upper=4)


def test_validate_number():
    assert validate.number("f", "lr", np.float32(0.5), low=0.0) == 0.5
    assert validate.number("f", "k", np.array(3), integer=True) == 3
    for bad, error in [(True, TypeError), (float("nan"), ValueError), ("1", TypeError)]:
        with pytest.raises(error, match="lr"):
            validate.number("f", "lr", bad, low=0.0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        validate.number("f", "lr", 0.0, low=0.0, low_open=True)


def _sanitize_rules():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(parser[s]["regex"], parser[s]["replace"]) for s in parser.sections()]


def test_every_nbval_sanitize_rule_parses_and_fires():
    examples = {
        "0xADDRESS": "<Figure object at 0x7f3a2b1c9d80>",
        "TIME": "one epoch took 0.53 s\n",
    }
    rules = _sanitize_rules()
    assert len(rules) == len(examples)
    for regex, replace in rules:
        assert replace in examples, f"add an example for the rule replacing with {replace!r}"
        assert re.sub(regex, replace, examples[replace]) != examples[replace], regex


def test_timing_rule_leaves_book_numbers_alone():
    regex, replace = [r for r in _sanitize_rules() if r[1] == "TIME"][0]
    for text in ["w0 = 0.4000, w1 = -0.4000", "4 updates in 4 passes", "accuracy 0.9157"]:
        assert re.sub(regex, replace, text) == text


def test_lessons_never_imports_widgets():
    imports = re.compile(r"^\s*(import|from)\s+(ipywidgets|widgets)\b", re.M)
    offenders = [p for p in (ROOT / "lessons").rglob("*.py") if imports.search(p.read_text())]
    assert offenders == [], "lessons/ must not import ipywidgets (DESIGN: layering)"


def test_lab_settings_silence_network_checks_for_learners_and_binder():
    import json

    settings = json.loads((ROOT / "lab-settings" / "overrides.json").read_text())
    notification = settings["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False
    assert "lab-settings/overrides.json" in (ROOT / "binder" / "postBuild").read_text()
    assert "LAB_SETTINGS" in (ROOT / "course.py").read_text()


def test_relative_error_is_not_fooled_by_near_zero_entries():
    # finite differences carry ~1e-10 of absolute round-off; an entry of 1e-5 must not
    # turn that into a failing 1e-5 relative error
    exact = np.array([0.8, -1.3, 1e-5])
    noisy = exact + np.array([1e-10, -1e-10, 1e-10])
    assert relative_error(exact, noisy) < 1e-9
    assert relative_error(exact, 2 * exact) == pytest.approx(1 / 3)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_lab_command_allows_root_only_for_root(course, monkeypatch):
    monkeypatch.setattr(course.os, "geteuid", lambda: 0, raising=False)
    command = course.lab_command(["--no-browser"])
    assert command[2:4] == ["jupyter", "lab"] and command.count("--allow-root") == 1
    assert command[-2:] == [str(course.WORKSPACE), "--no-browser"]
    assert course.lab_command(["--allow-root"]).count("--allow-root") == 1
    monkeypatch.setattr(course.os, "geteuid", lambda: 1000, raising=False)
    assert "--allow-root" not in course.lab_command([])


# --- issue 8: gradient checks that cannot be fooled --------------------------------------------

def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])

    def f(v):
        if v[0] != 1.0:
            raise RuntimeError("f refuses a nudged x")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="nudged"):
        numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_relative_error_refuses_arrays_of_different_shapes():
    with pytest.raises(ValueError, match=r"relative_error: b has shape \(1,\) but a has shape "
                                         r"\(3,\)"):
        relative_error([1, 2, 3], [1])


def test_check_gradient_refuses_an_analytic_gradient_of_the_wrong_shape():
    f = lambda v: np.sum(v ** 2)  # noqa: E731
    with pytest.raises(ValueError, match=r"check_gradient: grad_f\(x\) has shape \(2,\) but x "
                                         r"has shape \(3,\)"):
        check_gradient(f, lambda v: 2 * v[:2], np.ones(3))
    with pytest.raises(ValueError, match=r"check_gradient: grad_f\(x\) has shape \(1, 3\)"):
        check_gradient(f, lambda v: 2 * v[None], np.ones(3))  # would broadcast silently


@pytest.mark.parametrize("call, error, match", [
    (lambda: numerical_gradient("f", np.ones(2)), TypeError, "numerical_gradient: f must be"),
    (lambda: numerical_gradient(lambda v: v, np.ones(2)), TypeError,
     r"numerical_gradient: f must return one number \(the loss\), got an array of shape \(2,\)"),
    (lambda: numerical_gradient(lambda v: "x", np.ones(2)), TypeError,
     "numerical_gradient: f must return one number"),
    (lambda: numerical_gradient(np.sum, [[1.0, 2.0], [3.0]]), ValueError,
     "numerical_gradient: x must be a numeric array"),
    (lambda: relative_error(None, [1.0]), TypeError, "relative_error: a must be a numeric array"),
    (lambda: check_gradient(np.sum, "grad", np.ones(2)), TypeError,
     "check_gradient: grad_f must be"),
])
def test_gradient_check_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("values", [
    [], [0.0], [1.0, -2.5], [np.finfo(np.float32).max, -np.finfo(np.float32).max, 1e-45],
    [1.0, np.nan], [np.inf, 1.0], [-np.inf], [np.nan, np.inf, -np.inf],
])
def test_all_finite_agrees_with_numpy(values, dtype):
    a = np.array(values, dtype=dtype)
    for shape in (a.shape, (1, a.size)):
        assert validate.all_finite(a.reshape(shape)) == bool(np.isfinite(a).all())
    assert validate.all_finite(np.array(1.0, dtype)) and not validate.all_finite(
        np.array(np.nan, dtype))
