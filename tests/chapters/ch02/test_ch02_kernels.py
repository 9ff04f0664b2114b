"""Chapter 02: the minibatch-descent kernel `linear_mse_epoch` against its NumPy twin, its bad
input, and the regression helper built on it (`lessons.chapters.ch02_regression`)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import reference
from lessons.kernels import linear_mse_epoch
from lessons.kernels.descent import _linear_mse_epoch_kernel
from lessons.chapters.ch02_regression import fit_linear, linear_data, mse

TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-4, atol=1e-5)}


@st.composite
def problems(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 6))
    k = draw(st.integers(1, 2 * n))
    batch_size = draw(st.integers(1, n + 3))
    lr = draw(st.floats(1e-4, 0.2))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, d)).astype(dtype)
    y = rng.uniform(-1, 1, n).astype(dtype)
    w = rng.uniform(-1, 1, d).astype(dtype)
    order = rng.integers(0, n, k)  # repeats allowed: the kernel must not care
    return dtype, w, X, y, order, batch_size, lr


@settings(max_examples=150, deadline=None)
@given(problems())
def test_kernel_matches_numpy_twin(problem):
    dtype, w, X, y, order, batch_size, lr = problem
    w_kernel, w_twin = w.copy(), w.copy()
    loss_kernel = linear_mse_epoch(w_kernel, X, y, order, batch_size, lr)
    loss_twin = reference.linear_mse_epoch(w_twin, X, y, order, batch_size, lr)
    assert w_kernel.dtype == dtype
    np.testing.assert_allclose(w_kernel, w_twin, **TOL[dtype])
    assert loss_kernel == pytest.approx(float(loss_twin), rel=TOL[dtype]["rtol"], abs=1e-6)


def test_full_batch_is_one_plain_gradient_step():
    X, y, _ = linear_data(50, 3, seed=1)
    w = np.array([0.1, -0.2, 0.3, 0.0])
    expected = w - 0.05 * (2 / 50) * X.T @ (X @ w - y)
    loss = linear_mse_epoch(w, X, y, np.arange(50), 50, 0.05)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    assert loss == pytest.approx(mse(np.array([0.1, -0.2, 0.3, 0.0]), X, y))


def test_sgd_visits_rows_in_the_given_order():
    X = np.array([[1.0, 2.0], [1.0, -1.0]])
    y = np.array([1.0, 0.0])
    w_a, w_b = np.zeros(2), np.zeros(2)
    linear_mse_epoch(w_a, X, y, np.array([0, 1]), 1, 0.1)
    linear_mse_epoch(w_b, X, y, np.array([1, 0]), 1, 0.1)
    assert not np.allclose(w_a, w_b)
    # by hand, order [0, 1]: r0 = 0 - 1 = -1, w -= 0.1 * 2 * (-1) * (1, 2) -> (0.2, 0.4);
    # r1 = (0.2 - 0.4) - 0 = -0.2, w -= 0.1 * 2 * (-0.2) * (1, -1) -> (0.24, 0.36)
    np.testing.assert_allclose(w_a, [0.24, 0.36])


def test_kernel_source_is_the_plain_loop_the_chapter_shows():
    # the chapter prints this function with inspect.getsource: it must stay a compiled kernel
    assert hasattr(_linear_mse_epoch_kernel, "py_func")


def _args():
    X = np.array([[1.0, 0.5], [1.0, -0.5], [1.0, 2.0]])
    return dict(w=np.zeros(2), X=X, y=np.array([1.0, 0.0, 2.0]), order=np.array([2, 0, 1]),
                batch_size=2, lr=0.1)


@pytest.mark.parametrize("change, error, words", [
    (dict(w=np.zeros(2, dtype=np.int64)), TypeError, "float32 or float64"),
    (dict(w=[0.0, 0.0]), TypeError, "in place"),
    (dict(w=np.zeros(3)), ValueError, "3 weights but X has 2 columns"),
    (dict(w=np.zeros((2, 1))), ValueError, "w must be 1-D"),
    (dict(w=np.array([np.nan, 0.0])), ValueError, "w contains NaN"),
    (dict(w=np.zeros(4)[::2]), ValueError, "C-contiguous"),
    (dict(X=np.array([[1.0, np.nan], [1.0, 0.0], [1.0, 1.0]])), ValueError, "X contains NaN"),
    (dict(X=np.array([[1.0, np.inf], [1.0, 0.0], [1.0, 1.0]])), ValueError, "X contains NaN or inf"),
    (dict(X=np.ones(3)), ValueError, "X must be 2-D"),
    (dict(X=np.ones((0, 2))), ValueError, "X is empty"),
    (dict(y=np.array([1.0, 0.0])), ValueError, "y has 2 targets but X has 3 rows"),
    (dict(y=np.array([1.0, np.nan, 0.0])), ValueError, "y contains NaN"),
    (dict(y="targets"), TypeError, "y must be a numeric array"),
    (dict(order=np.array([0, 3])), ValueError, "order must index rows 0..2"),
    (dict(order=np.array([-1, 0])), ValueError, "order must index rows 0..2"),
    (dict(order=np.array([0.0, 1.0])), TypeError, "integer indices"),
    (dict(order=np.array([[0, 1]])), ValueError, "order must be 1-D"),
    (dict(order=np.array([], dtype=np.int64)), ValueError, "order is empty"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    (dict(batch_size=-2), ValueError, "batch_size"),
    (dict(batch_size=1.5), TypeError, "batch_size must be an integer"),
    (dict(lr=0.0), ValueError, "lr must be > 0"),
    (dict(lr=np.nan), ValueError, "lr must be finite"),
])
def test_linear_mse_epoch_bad_input(change, error, words):
    args = _args()
    args.update(change)
    with pytest.raises(error, match=words):
        linear_mse_epoch(**args)


def test_bad_input_leaves_w_untouched():
    args = _args()
    args["w"] = np.array([0.5, -0.5])
    args["order"] = np.array([0, 5])
    with pytest.raises(ValueError):
        linear_mse_epoch(**args)
    np.testing.assert_array_equal(args["w"], [0.5, -0.5])


def test_divergent_lr_grows_without_crashing():
    X, y, _ = linear_data(20, 1, seed=0)
    w = np.zeros(2)
    losses = [linear_mse_epoch(w, X, y, np.arange(20), 1, 5.0) for _ in range(3)]
    assert losses[0] < losses[1] < losses[2]
    assert np.min(np.abs(w)) > 1e50


# lessons.chapters.ch02_regression: the chapter's full-batch / SGD / minibatch comparison
def test_linear_data_is_seeded_and_shaped():
    X, y, w = linear_data(30, 2, noise=0.1, seed=3)
    X2, y2, w2 = linear_data(30, 2, noise=0.1, seed=3)
    assert X.shape == (30, 3) and y.shape == (30,) and w.shape == (3,)
    np.testing.assert_array_equal(X[:, 0], 1.0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert np.all(np.abs(w) <= 2)
    assert mse(w, X, y) < 0.05  # the noise is all that is left at the true weights
    assert not np.array_equal(y, linear_data(30, 2, noise=0.1, seed=4)[1])


@pytest.mark.parametrize("batch_size", [1, 20, 200])
def test_fit_linear_reaches_least_squares(batch_size):
    X, y, _ = linear_data(200, 1, seed=0)
    fit = fit_linear(X, y, batch_size, 0.05 if batch_size > 1 else 0.01, 60, seed=0)
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    assert fit.losses.shape == (61,)
    assert fit.losses[-1] < fit.losses[0]
    assert fit.losses[-1] < mse(w_ls, X, y) * 1.05
    assert fit.updates_per_epoch == math.ceil(200 / batch_size)
    np.testing.assert_array_equal(fit.updates, np.arange(61) * fit.updates_per_epoch)


def test_fit_linear_is_deterministic_and_matches_the_twin():
    X, y, _ = linear_data(50, 2, seed=2)
    a = fit_linear(X, y, 8, 0.05, 5, seed=9)
    b = fit_linear(X, y, 8, 0.05, 5, seed=9)
    np.testing.assert_array_equal(a.losses, b.losses)
    rng, w = np.random.default_rng(9), np.zeros(3)
    for _ in range(5):
        reference.linear_mse_epoch(w, X, y, rng.permutation(50), 8, 0.05)
    np.testing.assert_allclose(a.w, w, rtol=1e-10)


def test_fit_linear_stops_at_divergence():
    X, y, _ = linear_data(50, 1, seed=0)
    fit = fit_linear(X, y, 1, 5.0, 100, seed=0)
    assert len(fit.losses) < 101
    assert not np.isfinite(fit.losses[-1]) or fit.losses[-1] > 1e100


@pytest.mark.parametrize("change, error", [
    (dict(batch_size=0), ValueError),
    (dict(lr=0.0), ValueError),
    (dict(epochs=-1), ValueError),
    (dict(seed=-1), ValueError),
    (dict(w0=np.zeros(3)), ValueError),
    (dict(y=np.zeros(4)), ValueError),
    (dict(X=np.full((5, 2), np.nan)), ValueError),
])
def test_fit_linear_bad_input(change, error):
    X, y, _ = linear_data(5, 1, seed=0)
    args = dict(X=X, y=y, batch_size=2, lr=0.1, epochs=3, seed=0)
    args.update(change)
    with pytest.raises(error, match="fit_linear"):
        fit_linear(**args)
