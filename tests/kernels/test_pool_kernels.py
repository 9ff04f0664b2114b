"""Chapter 07 pooling kernels: NumPy twins, gradient routing, finite differences, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import kernels, reference
from lessons.gradcheck import check_gradient

FLOATS = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=30, deadline=None)


@st.composite
def pool_case(draw):
    size = draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 4)))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)),
             draw(st.integers(size, 10)), draw(st.integers(size, 10)))
    return shape, size, stride


def assert_twin(got, want, dtype):
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@FEW
@given(case=pool_case(), dtype=FLOATS, seed=SEEDS, ties=st.booleans())
def test_maxpool_matches_twin(case, dtype, seed, ties):
    shape, size, stride = case
    rng = np.random.default_rng(seed)
    # rounded values make ties, where "the first maximum in row-major order" decides
    X = rng.standard_normal(shape)
    X = (np.round(X) if ties else X).astype(dtype)
    Y, argmax = kernels.maxpool2d_forward(X, size, stride)
    Y_twin, argmax_twin = reference.maxpool2d_forward(X, size, stride)
    assert_twin(Y, Y_twin, dtype)
    assert argmax.dtype == np.int64 and np.array_equal(argmax, argmax_twin)
    dY = rng.standard_normal(Y.shape).astype(dtype)
    dX = kernels.maxpool2d_backward(dY, argmax, X.shape)
    assert_twin(dX, reference.maxpool2d_backward(dY, argmax, X.shape), dtype)
    # every gradient goes somewhere, and only to winners
    assert dX.sum() == pytest.approx(dY.sum(), rel=1e-4, abs=1e-4)
    winners = np.zeros(X.shape, bool).reshape(shape[0], shape[1], -1)
    n, c = np.indices(argmax.shape)[:2]
    winners[n.ravel(), c.ravel(), argmax.ravel()] = True
    assert np.all(dX[~winners.reshape(shape)] == 0)
    # each argmax points at the value the window kept
    planes = X.reshape(shape[0], shape[1], -1)
    assert np.array_equal(np.take_along_axis(planes, argmax.reshape(*shape[:2], -1), 2),
                          Y.reshape(*shape[:2], -1))


@FEW
@given(case=pool_case(), dtype=FLOATS, seed=SEEDS)
def test_avgpool_matches_twin(case, dtype, seed):
    shape, size, stride = case
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape).astype(dtype)
    Y = kernels.avgpool2d_forward(X, size, stride)
    assert_twin(Y, reference.avgpool2d_forward(X, size, stride), dtype)
    dY = rng.standard_normal(Y.shape).astype(dtype)
    assert_twin(kernels.avgpool2d_backward(dY, shape, size, stride),
                reference.avgpool2d_backward(dY, shape, size, stride), dtype)


def test_skansi_2x2_max_pool_halves_each_side_and_keeps_channels():
    X = np.arange(2 * 3 * 8 * 6, dtype=float).reshape(2, 3, 8, 6)
    Y, argmax = kernels.maxpool2d_forward(X, 2)
    assert Y.shape == (2, 3, 4, 3)
    # increasing values: each window's maximum is its bottom-right cell
    assert np.array_equal(Y, X[:, :, 1::2, 1::2])
    assert argmax[0, 0, 0, 0] == 1 * 6 + 1
    assert kernels.maxpool2d_forward(np.ones((1, 1, 5, 5)), 2)[0].shape == (1, 1, 2, 2)


def test_overlapping_windows_accumulate_at_a_shared_winner():
    X = np.zeros((1, 1, 3, 3))
    X[0, 0, 1, 1] = 5.0  # the centre wins all four 2x2 windows at stride 1
    Y, argmax = kernels.maxpool2d_forward(X, 2, 1)
    assert np.all(Y == 5) and np.all(argmax == 4)
    dX = kernels.maxpool2d_backward(np.array([[[[1.0, 2], [3, 4]]]]), argmax, X.shape)
    assert dX[0, 0, 1, 1] == 10 and np.count_nonzero(dX) == 1


@pytest.mark.parametrize("size, stride", [(2, None), (3, 1), (2, 3)])
def test_pool_gradients_match_finite_differences(size, stride):
    rng = np.random.default_rng(2)
    X = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) / 10.0  # distinct: no ties
    _, argmax = kernels.maxpool2d_forward(X, size, stride)
    dY = rng.standard_normal(argmax.shape)
    # h smaller than the gap between values, so no perturbation changes a window's winner;
    # both outputs are piecewise linear in X, so a large h adds no truncation error
    assert check_gradient(lambda x: np.sum(dY * kernels.maxpool2d_forward(x, size, stride)[0]),
                          lambda x: kernels.maxpool2d_backward(dY, argmax, x.shape), X,
                          h=1e-4) < 1e-7
    assert check_gradient(lambda x: np.sum(dY * kernels.avgpool2d_forward(x, size, stride)),
                          lambda x: kernels.avgpool2d_backward(dY, x.shape, size, stride),
                          X, h=1e-4) < 1e-7


X1 = np.ones((1, 2, 4, 4))
A1 = np.zeros((1, 2, 2, 2), np.int64)


@pytest.mark.parametrize("call, error, message", [
    (lambda: kernels.maxpool2d_forward(X1, 5), ValueError,
     "maxpool2d_forward: the 5x5 window is larger than the 4x4 input planes"),
    (lambda: kernels.maxpool2d_forward(X1, 0), ValueError, "maxpool2d_forward: size must be >= 1"),
    (lambda: kernels.maxpool2d_forward(X1, 2, 0), ValueError,
     "maxpool2d_forward: stride must be >= 1, got 0"),
    (lambda: kernels.maxpool2d_forward(X1, 2, -2), ValueError,
     "maxpool2d_forward: stride must be >= 1, got -2"),
    (lambda: kernels.maxpool2d_forward(X1[0], 2), ValueError,
     "maxpool2d_forward: X must be 4-D [N, C, H, W], got shape (2, 4, 4)"),
    (lambda: kernels.maxpool2d_forward(np.full((1, 1, 2, 2), np.nan), 2), ValueError,
     "maxpool2d_forward: X contains NaN or inf"),
    (lambda: kernels.maxpool2d_forward(np.ones((1, 0, 2, 2)), 2), ValueError,
     "maxpool2d_forward: X is empty"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1 + 16, X1.shape), ValueError,
     "maxpool2d_backward: argmax must index rows 0..15"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1 - 1, X1.shape), ValueError,
     "maxpool2d_backward: argmax must index"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1 + 0.5, X1.shape), TypeError,
     "maxpool2d_backward: argmax must hold integer indices"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1[..., :1], X1.shape),
     ValueError, "maxpool2d_backward: argmax has shape (1, 2, 2, 1) but dY has (1, 2, 2, 2)"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 3, 2, 2)), A1, X1.shape), ValueError,
     "maxpool2d_backward: dY has shape (1, 3, 2, 2) but x_shape (1, 2, 4, 4) has N = 1 images "
     "of C = 2 channels"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1, (2, 4, 4)), ValueError,
     "maxpool2d_backward: x_shape must be the forward input's shape (N, C, H, W)"),
    (lambda: kernels.maxpool2d_backward(np.ones((1, 2, 2, 2)), A1, None), TypeError,
     "maxpool2d_backward: x_shape must be"),
    (lambda: kernels.maxpool2d_backward(np.full((1, 2, 2, 2), np.inf), A1, X1.shape),
     ValueError, "maxpool2d_backward: dY contains NaN or inf"),
    (lambda: kernels.avgpool2d_forward(X1, 2, 0), ValueError,
     "avgpool2d_forward: stride must be >= 1"),
    (lambda: kernels.avgpool2d_backward(np.ones((1, 2, 3, 3)), X1.shape, 2), ValueError,
     "avgpool2d_backward: dY has shape (1, 2, 3, 3) but pooling (1, 2, 4, 4) gives (1, 2, 2, 2)"),
    (lambda: kernels.avgpool2d_backward(np.ones((1, 2, 2, 2)), X1.shape, 9), ValueError,
     "avgpool2d_backward: the 9x9 window is larger than the 4x4 input planes"),
])
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


@pytest.mark.parametrize("x_shape", [(1.9, 1.2, 4.7, 4.5), (1, 2, 4.0, 4), ("1", 2, 4, 4)])
def test_backward_refuses_an_x_shape_that_is_not_whole_numbers(x_shape):
    # issue 8: int() truncated (1.9, 1.2, 4.7, 4.5) to (1, 1, 4, 4) without a word
    with pytest.raises(TypeError, match=r"maxpool2d_backward: x_shape\[\d\] must be an integer"):
        kernels.maxpool2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), np.int64),
                                   x_shape)
    with pytest.raises(TypeError, match=r"avgpool2d_backward: x_shape\[\d\] must be an integer"):
        kernels.avgpool2d_backward(np.ones((1, 1, 2, 2)), x_shape)


def test_backward_accepts_numpy_integers_in_x_shape():
    X = np.arange(16.0).reshape(1, 1, 4, 4)
    Y, A = kernels.maxpool2d_forward(X)
    shape = tuple(np.int64(s) for s in X.shape)
    np.testing.assert_array_equal(kernels.maxpool2d_backward(np.ones_like(Y), A, shape),
                                  kernels.maxpool2d_backward(np.ones_like(Y), A, X.shape))
