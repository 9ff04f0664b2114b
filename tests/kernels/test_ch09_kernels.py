"""Chapter 09 kernels: residual add, global average pooling, depthwise and pointwise
convolution, augmentation. Each against its NumPy twin, finite differences and bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import kernels, reference
from lessons.gradcheck import check_gradient

FLOATS = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=25, deadline=None)


def assert_twin(got, want, dtype):
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# --- residual add ------------------------------------------------------------------------------

@st.composite
def residual_case(draw):
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    stride = draw(st.integers(1, 3))
    F = C + draw(st.integers(0, 3))
    return (N, C, H, W), (N, F, (H - 1) // stride + 1, (W - 1) // stride + 1), stride


@FEW
@given(case=residual_case(), dtype=FLOATS, seed=SEEDS)
def test_residual_add_matches_twin(case, dtype, seed):
    x_shape, f_shape, stride = case
    rng = np.random.default_rng(seed)
    X, FX, dY = (rng.standard_normal(s).astype(dtype) for s in (x_shape, f_shape, f_shape))
    assert_twin(kernels.residual_add_forward(X, FX, stride),
                reference.residual_add_forward(X, FX, stride), dtype)
    dX, dFX = kernels.residual_add_backward(dY, x_shape, stride)
    dX_twin, dFX_twin = reference.residual_add_backward(dY, x_shape, stride)
    assert_twin(dX, dX_twin, dtype)
    assert_twin(dFX, dFX_twin, dtype)


def test_identity_shortcut_routes_the_whole_gradient_to_both_inputs():
    X = np.arange(8.0).reshape(1, 2, 2, 2)
    dY = np.linspace(-1, 1, 8).reshape(1, 2, 2, 2)
    np.testing.assert_array_equal(kernels.residual_add_forward(X, 2 * X), 3 * X)
    dX, dFX = kernels.residual_add_backward(dY, X.shape)
    np.testing.assert_array_equal(dX, dY)
    np.testing.assert_array_equal(dFX, dY)


def test_zero_padding_shortcut_is_ekmans_downsampling_formula():
    # y[i, j, k] = x[2i, 2j, k] + F[i, j, k] for k < c_in; F alone above
    rng = np.random.default_rng(0)
    X, FX = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((2, 6, 3, 3))
    Y = kernels.residual_add_forward(X, FX, 2)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(Y[:, :3, i, j], X[:, :, 2 * i, 2 * j] + FX[:, :3, i, j])
    np.testing.assert_array_equal(Y[:, 3:], FX[:, 3:])


@pytest.mark.parametrize("stride, F", [(1, 2), (2, 2), (2, 4)])
def test_residual_add_gradients_match_finite_differences(stride, F):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 2, 4, 3))
    FX = rng.standard_normal((2, F, (4 - 1) // stride + 1, (3 - 1) // stride + 1))
    G = rng.standard_normal(FX.shape)  # L = sum(G * Y)
    dX, dFX = kernels.residual_add_backward(G, X.shape, stride)
    assert check_gradient(lambda x: np.sum(G * kernels.residual_add_forward(x, FX, stride)),
                          lambda x: dX, X) < 1e-8
    assert check_gradient(lambda f: np.sum(G * kernels.residual_add_forward(X, f, stride)),
                          lambda f: dFX, FX) < 1e-8


# --- global average pooling ----------------------------------------------------------------------

@FEW
@given(shape=st.tuples(*[st.integers(1, 5)] * 4), dtype=FLOATS, seed=SEEDS)
def test_global_avgpool_matches_twin(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape).astype(dtype)
    dY = rng.standard_normal(shape[:2]).astype(dtype)
    assert_twin(kernels.global_avgpool2d_forward(X), reference.global_avgpool2d_forward(X), dtype)
    assert_twin(kernels.global_avgpool2d_backward(dY, shape),
                reference.global_avgpool2d_backward(dY, shape), dtype)


def test_global_avgpool_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    X, G = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3))
    assert check_gradient(lambda x: np.sum(G * kernels.global_avgpool2d_forward(x)),
                          lambda x: kernels.global_avgpool2d_backward(G, x.shape), X) < 1e-8


# --- depthwise and pointwise ---------------------------------------------------------------------

@st.composite
def depthwise_case(draw):
    k = draw(st.integers(1, 4))
    pad, stride = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    side = st.integers(max(1, k - 2 * pad), 8)
    return (draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(side), draw(side)), k, stride, pad


@FEW
@given(case=depthwise_case(), dtype=FLOATS, seed=SEEDS)
def test_depthwise_matches_twin(case, dtype, seed):
    shape, k, stride, pad = case
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape).astype(dtype)
    K = rng.standard_normal((shape[1], k, k)).astype(dtype)
    b = rng.standard_normal(shape[1]).astype(dtype)
    Y = kernels.depthwise_conv2d_forward(X, K, b, stride, pad)
    assert_twin(Y, reference.depthwise_conv2d_forward(X, K, b, stride, pad), dtype)
    dY = rng.standard_normal(Y.shape).astype(dtype)
    for got, want in zip(kernels.depthwise_conv2d_backward(X, K, dY, stride, pad),
                         reference.depthwise_conv2d_backward(X, K, dY, stride, pad)):
        assert_twin(got, want, dtype)


@FEW
@given(shape=st.tuples(*[st.integers(1, 5)] * 4), F=st.integers(1, 5), dtype=FLOATS,
       seed=SEEDS)
def test_pointwise_matches_twin(shape, F, dtype, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape).astype(dtype)
    K = rng.standard_normal((F, shape[1])).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    Y = kernels.pointwise_conv2d_forward(X, K, b)
    assert_twin(Y, reference.pointwise_conv2d_forward(X, K, b), dtype)
    dY = rng.standard_normal(Y.shape).astype(dtype)
    for got, want in zip(kernels.pointwise_conv2d_backward(X, K, dY),
                         reference.pointwise_conv2d_backward(X, K, dY)):
        assert_twin(got, want, dtype)


def test_pointwise_is_a_1x1_convolution():
    rng = np.random.default_rng(3)
    X, K, b = (rng.standard_normal(s) for s in ((2, 3, 4, 4), (5, 3), (5,)))
    np.testing.assert_allclose(kernels.pointwise_conv2d_forward(X, K, b),
                               kernels.conv2d_forward(X, K[:, :, None, None], b), atol=1e-12)


@pytest.mark.parametrize("stride, pad", [(1, 0), (1, 1), (2, 1)])
def test_depthwise_gradients_match_finite_differences(stride, pad):
    rng = np.random.default_rng(4)
    X, K, b = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((3, 3, 3)), \
        rng.standard_normal(3)
    G = rng.standard_normal(kernels.depthwise_conv2d_forward(X, K, b, stride, pad).shape)
    dX, dK, db = kernels.depthwise_conv2d_backward(X, K, G, stride, pad)
    loss = lambda x, k, c: np.sum(G * kernels.depthwise_conv2d_forward(x, k, c, stride, pad))
    assert check_gradient(lambda x: loss(x, K, b), lambda x: dX, X) < 1e-8
    assert check_gradient(lambda k: loss(X, k, b), lambda k: dK, K) < 1e-8
    assert check_gradient(lambda c: loss(X, K, c), lambda c: db, b) < 1e-8


def test_pointwise_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    X, K, b = (rng.standard_normal(s) for s in ((2, 3, 3, 2), (4, 3), (4,)))
    G = rng.standard_normal((2, 4, 3, 2))
    dX, dK, db = kernels.pointwise_conv2d_backward(X, K, G)
    loss = lambda x, k, c: np.sum(G * kernels.pointwise_conv2d_forward(x, k, c))
    assert check_gradient(lambda x: loss(x, K, b), lambda x: dX, X) < 1e-8
    assert check_gradient(lambda k: loss(X, k, b), lambda k: dK, K) < 1e-8
    assert check_gradient(lambda c: loss(X, K, c), lambda c: db, b) < 1e-8


# --- augmentation --------------------------------------------------------------------------------

@FEW
@given(N=st.integers(1, 3), H=st.integers(1, 9), W=st.integers(1, 9), seed=SEEDS)
def test_augment_matches_twin(N, H, W, seed):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 255, (N, H, W))
    angles, shifts = rng.uniform(-30, 30, N), rng.uniform(-3, 3, (N, 2))
    flips = rng.integers(0, 2, N).astype(bool)
    np.testing.assert_allclose(kernels.augment_images(images, angles, shifts, flips),
                               reference.augment_images(images, angles, shifts, flips),
                               atol=1e-9)


def test_augment_identity_whole_pixel_shift_and_flip_are_exact():
    images = np.arange(2 * 5 * 6, dtype=float).reshape(2, 5, 6)
    zero = np.zeros(2)
    same = kernels.augment_images(images, zero, np.zeros((2, 2)), [False, False])
    np.testing.assert_array_equal(same, images)
    moved = kernels.augment_images(images, zero, [[1, 2], [0, -1]], [False, False])
    np.testing.assert_array_equal(moved[0, 1:, 2:], images[0, :-1, :-2])
    assert np.all(moved[0, 0] == 0) and np.all(moved[0, :, :2] == 0)
    np.testing.assert_array_equal(moved[1, :, :-1], images[1, :, 1:])
    flipped = kernels.augment_images(images, zero, np.zeros((2, 2)), [True, True])
    np.testing.assert_array_equal(flipped, images[:, :, ::-1])


def test_augment_rotates_counter_clockwise_as_displayed():
    image = np.zeros((1, 5, 5))
    image[0, 2, 4] = 1.0  # right of the centre
    turned = kernels.augment_images(image, [90.0], [[0.0, 0.0]], [False])
    assert turned[0, 0, 2] == pytest.approx(1.0)  # now above it
    assert turned.sum() == pytest.approx(1.0)


# --- bad input -----------------------------------------------------------------------------------

X4 = np.zeros((1, 2, 3, 3))
BAD = [
    (lambda: kernels.residual_add_forward(X4, np.zeros((1, 1, 3, 3))), ValueError,
     "FX has 1 channels but X has 2"),
    (lambda: kernels.residual_add_forward(X4, np.zeros((1, 2, 3, 3)), 2), ValueError,
     "stride 2 needs"),
    (lambda: kernels.residual_add_forward(X4[0], X4), ValueError, "X must be 4-D"),
    (lambda: kernels.residual_add_forward(X4, np.full((1, 2, 3, 3), np.nan)), ValueError,
     "FX contains NaN"),
    (lambda: kernels.residual_add_forward(X4, X4, 0), ValueError, "stride must be >= 1"),
    (lambda: kernels.residual_add_backward(X4, (1, 2, 3)), ValueError, "x_shape"),
    (lambda: kernels.residual_add_backward(X4, (1, 2, 3.5, 3)), TypeError, "x_shape"),
    (lambda: kernels.global_avgpool2d_forward("image"), TypeError, "X must be a numeric"),
    (lambda: kernels.global_avgpool2d_forward(np.zeros((0, 2, 3, 3))), ValueError, "X is empty"),
    (lambda: kernels.global_avgpool2d_backward(np.zeros((1, 3)), (1, 2, 3, 3)), ValueError,
     "dY has shape"),
    (lambda: kernels.depthwise_conv2d_forward(X4, np.zeros((3, 3, 3)), np.zeros(3)), ValueError,
     "K has 3 kernels but X has 2 channels"),
    (lambda: kernels.depthwise_conv2d_forward(X4, np.zeros((2, 5, 5)), np.zeros(2)), ValueError,
     "K is 5 wide"),
    (lambda: kernels.depthwise_conv2d_forward(X4, np.zeros((2, 3, 3)), np.zeros(3)), ValueError,
     "b has 3 entries"),
    (lambda: kernels.depthwise_conv2d_backward(X4, np.zeros((2, 3, 3)), X4), ValueError,
     "dY has shape"),
    (lambda: kernels.pointwise_conv2d_forward(X4, np.zeros((4, 3)), np.zeros(4)), ValueError,
     "K has 3 input channels but X has 2"),
    (lambda: kernels.pointwise_conv2d_forward(X4, np.zeros((4, 2, 1, 1)), np.zeros(4)),
     ValueError, "K must be 2-D"),
    (lambda: kernels.pointwise_conv2d_backward(X4, np.zeros((4, 2)), X4), ValueError,
     "dY has shape"),
    (lambda: kernels.augment_images(np.zeros((2, 4, 4)), [0.0], np.zeros((2, 2)), [0, 0]),
     ValueError, "angles has shape"),
    (lambda: kernels.augment_images(np.zeros((2, 4, 4)), [0.0, 0.0], np.zeros((2, 2)),
                                    [0.5, 0.0]), TypeError, "flips must be"),
    (lambda: kernels.augment_images(np.zeros((2, 4, 4)), [0.0, np.inf], np.zeros((2, 2)),
                                    [0, 0]), ValueError, "angles contains NaN"),
    (lambda: kernels.augment_images(np.zeros((4, 4)), [0.0], np.zeros((1, 2)), [0]), ValueError,
     "images must be 3-D"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_input_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
