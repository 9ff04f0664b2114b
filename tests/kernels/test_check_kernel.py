"""check_kernel: every kernel's cases pass the course's kernel, its twin and the worked solution
(as Python and under @njit); a wrong learner kernel gets a message it can act on, never a
crash."""
import os
import re
import subprocess
import sys

import numba
import numpy as np
import pytest

import lessons.kernels as K
from lessons import reference as R
from lessons.exercises.kernels import KERNELS, check_kernel
from lessons.kernels import use
from lessons.solutions import kernels as S

NAMES = list(KERNELS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", ["course", "twin", "solution"])
def test_right_kernels_pass(name, source, capsys):
    fn = {"course": K, "twin": R, "solution": S}[source].__dict__[name]
    assert check_kernel(name, fn)
    assert capsys.readouterr().out.startswith(f"✔ {name}: your {name} passes all")


@pytest.mark.parametrize("name", ["perceptron_epoch", "conv2d_forward"])
def test_njit_solutions_pass(name):
    assert check_kernel(name, numba.njit(getattr(S, name)))


def test_njit_under_numba_disable_jit_passes():
    code = ("import numba\nfrom lessons.exercises.kernels import check_kernel\n"
            "from lessons.solutions import kernels as S\n"
            "assert check_kernel('conv2d_forward', numba.njit(S.conv2d_forward))\n"
            "assert check_kernel('maxpool2d_backward', numba.njit(S.maxpool2d_backward))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "NUMBA_DISABLE_JIT": "1"}, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("✔") == 2


def test_check_kernel_runs_on_the_course_kernels_even_while_one_is_swapped():
    with use(conv2d_forward=lambda X, K, b, s, p: R.conv2d_forward(X, K, b, s, p) + 1):
        assert check_kernel("conv2d_forward", S.conv2d_forward)
        assert check_kernel("conv2d_backward", S.conv2d_backward)


# --- wrong kernels: a message a learner can act on, and no exception ---------------------------

def _outputs(name, out):
    return (out,) if len(KERNELS[name].outputs) == 1 or name == "perceptron_epoch" else out


def _mapped(name, fn, change):
    """The worked solution with `change` applied to every array it returns."""
    def kernel(*args):
        out = _outputs(name, getattr(S, name)(*args))
        changed = tuple(change(v) if isinstance(v, np.ndarray) else v for v in out)
        return changed[0] if len(changed) == 1 else changed
    return kernel


def _stub(*args):
    raise NotImplementedError


def _raises(*args):
    return args[0][99, 99]


ANY = [  # (what is wrong, kernel for a name, a phrase the message must hold)
    ("stub", lambda name: _stub, "still raises NotImplementedError"),
    ("raises", lambda name: _raises, "your function raised IndexError"),
    ("None", lambda name: lambda *a: None, "returned None"),
    ("a string", lambda name: lambda *a: "Y", "'Y'"),
]
ARRAYS = [  # for kernels that return arrays
    ("NaN", lambda a: np.full(a.shape, np.nan, a.dtype), "NaN often comes from np.empty"),
    ("float64", lambda a: a.astype(np.float64), "so that a float32 model stays float32"),
    ("flattened", lambda a: a.ravel()[1:], "but should have shape"),
]


def _sign_update(w, X, y, order, lr):
    n_updates = 0
    for i in order:
        if np.sign(X[i] @ w) != y[i]:
            w += y[i] * lr * X[i]
            n_updates += 1
    return n_updates


def _no_max(Z, labels):
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    B = len(Z)
    dZ = P.copy()
    dZ[np.arange(B), labels] -= 1
    return float(-np.mean(np.log(P[np.arange(B), labels]))), dZ / B


MISTAKES = [  # (kernel, a likely mistake, a phrase of its diagnosis)
    ("perceptron_epoch", lambda w, X, y, o, lr: S.perceptron_epoch(w.copy(), X, y, o, lr),
     "w did not change: update it in place"),
    ("perceptron_epoch", _sign_update, "np.sign(0) is 0"),
    ("dense_backward", lambda X, W, dZ: (dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)),
     "db is averaged over the batch"),
    ("sigmoid_backward", lambda Y, dY: Y * (1 - Y), "multiply it by the upstream gradient dY"),
    ("softmax_cross_entropy", lambda Z, l: (R.softmax_cross_entropy(Z, l)[0],
                                            R.softmax_cross_entropy(Z, l)[1] * len(Z)),
     "dZ is B times too large"),
    ("softmax_cross_entropy", _no_max, "an exp that overflowed"),
    ("conv2d_forward", lambda X, K, b, s, p: S.conv2d_forward(X, K, 0 * b, s, p),
     "the bias is missing"),
    ("conv2d_forward", lambda X, K, b, s, p: S.conv2d_forward(X, K[:, :, ::-1, ::-1].copy(), b,
                                                              s, p), "flipped by 180 degrees"),
    ("conv2d_forward", lambda X, K, b, s, p: S.conv2d_forward(X, K, b, 1, p),
     "Y has shape"),
    ("conv2d_backward", lambda X, K, dY, s, p: (S.conv2d_backward(X, K, dY, s, p)[0],
                                                S.conv2d_backward(X[:1], K, dY[:1], s, p)[1],
                                                S.conv2d_backward(X, K, dY, s, p)[2]),
     "dK holds the first image's share only"),
    ("maxpool2d_backward", lambda dY, am, xs: R.maxpool2d_backward(dY, am, xs) * 2,
     "expected dX ="),
]


def _assert_helpful(name, fn, phrase, capsys):
    result = check_kernel(name, fn)  # must not raise
    out = capsys.readouterr().out
    assert not result and out.startswith(f"✘ {name}: ")
    assert phrase in out, out
    assert re.search(r"Hint [123]/3: ", out)  # the next hint after every failed attempt
    return out


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("wrong, make, phrase", ANY, ids=[w for w, _, _ in ANY])
def test_any_broken_kernel_gets_a_message_and_no_crash(name, wrong, make, phrase, capsys):
    _assert_helpful(name, make(name), phrase, capsys)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "perceptron_epoch"])
@pytest.mark.parametrize("wrong, change, phrase", ARRAYS, ids=[w for w, _, _ in ARRAYS])
def test_wrong_arrays_get_a_message_and_no_crash(name, wrong, change, phrase, capsys):
    _assert_helpful(name, _mapped(name, getattr(S, name), change), phrase, capsys)


@pytest.mark.parametrize("name, fn, phrase", MISTAKES,
                         ids=[f"{n}-{p[:20]}" for n, _, p in MISTAKES])
def test_a_known_mistake_is_named(name, fn, phrase, capsys):
    out = _assert_helpful(name, fn, phrase, capsys)
    assert "inputs:" in out


def test_the_wrong_conv2d_forward_message_shows_inputs_expected_got_and_where(capsys):
    out = _assert_helpful("conv2d_forward",
                          lambda X, K, b, s, p: S.conv2d_forward(X, K, 0 * b, s, p),
                          "the bias is missing", capsys)
    for part in ("case 2 of", "X = [[[[", "b = [0.5]", "expected Y = ", "you gave Y = ",
                 "where: 4 of 4 values differ, the first at Y[0, 0, 0, 0]: expected"):
        assert part in out


def test_a_kernel_that_changes_its_input_is_told(capsys):
    def zeroes_K(X, K, b, stride, pad):
        Y = S.conv2d_forward(X, K, b, stride, pad)
        K[...] = 0
        return Y
    _assert_helpful("conv2d_forward", zeroes_K, "changed its input K", capsys)


@pytest.mark.parametrize("name, fn, phrase", [
    ("conv2d_fwd", S.conv2d_forward, "there is no kernel 'conv2d_fwd'"),
    ("conv2d_forward", ..., "Pass your function"),
    ("conv2d_forward", np.zeros(3), "Pass your function"),
])
def test_wrong_arguments_get_a_message(name, fn, phrase, capsys):
    assert not check_kernel(name, fn)
    assert phrase in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_weird_returns_never_raise_and_never_pass(name, capsys):
    from tests.chapters.test_exercise_answers import WEIRD
    for key, make in WEIRD.items():
        result = check_kernel(name, lambda *args, make=make: make())  # must not raise
        out = capsys.readouterr().out
        assert out.startswith(f"✘ {name}") and not result, f"{name} returning {key}: {out}"
        for n in range(2, 4):  # and tuples of them
            result = check_kernel(name, lambda *args, make=make, n=n: (make(),) * n)
            assert not result and "✘" in capsys.readouterr().out, f"{name} returning {key}"
