"""Chapter 03 kernels (activations, dense layer, losses): NumPy twins, gradients, bad input."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessons import kernels, reference
from lessons.gradcheck import check_gradient, numerical_gradient

FLOATS = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)
DIMS = st.integers(1, 12)
FEW = settings(max_examples=25, deadline=None)

ACTIVATIONS = [  # (forward, backward, what the backward takes besides dY)
    ("sigmoid", "sigmoid_backward", "Y"),
    ("tanh", "tanh_backward", "Y"),
    ("relu", "relu_backward", "Z"),
]


def assert_twin(got, want, dtype, scale=1.0):
    """Kernel result vs NumPy twin: same dtype; float64 to ~1e-12, float32 to ~1e-5."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == dtype and got.shape == want.shape
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def assert_loss(got, want, dtype):
    """Losses are accumulated in float64 by the kernels but in float32 by a float32 twin, whose
    log(1 - p) and log(1 + tiny) lose digits: hence an absolute tolerance for float32."""
    assert isinstance(got, float)
    if dtype == np.float64:
        assert got == pytest.approx(want, rel=1e-10, abs=1e-12)
    else:
        assert got == pytest.approx(want, rel=1e-4, abs=1e-5)


def random(rng, shape, dtype, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(dtype)


# --- NumPy twins on random shapes -----------------------------------------------------------

@FEW
@given(shape=st.lists(DIMS, min_size=1, max_size=3), scale=st.sampled_from([0.1, 3.0, 40.0]),
       dtype=FLOATS, seed=SEEDS)
def test_activations_match_twins(shape, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    Z, dY = random(rng, shape, dtype, scale), random(rng, shape, dtype)
    for forward, backward, takes in ACTIVATIONS:
        Y = getattr(kernels, forward)(Z)
        assert_twin(Y, getattr(reference, forward)(Z), dtype)
        first = Y if takes == "Y" else Z
        assert_twin(getattr(kernels, backward)(first, dY),
                    getattr(reference, backward)(first, dY), dtype)


@FEW
@given(B=DIMS, n_in=DIMS, n_out=DIMS, dtype=FLOATS, seed=SEEDS)
def test_dense_matches_twin(B, n_in, n_out, dtype, seed):
    rng = np.random.default_rng(seed)
    X, W = random(rng, (B, n_in), dtype), random(rng, (n_in, n_out), dtype)
    b, dZ = random(rng, n_out, dtype), random(rng, (B, n_out), dtype)
    assert_twin(kernels.dense_forward(X, W, b), reference.dense_forward(X, W, b), dtype, n_in)
    for got, want in zip(kernels.dense_backward(X, W, dZ), reference.dense_backward(X, W, dZ)):
        assert_twin(got, want, dtype, max(B, n_out))


@FEW
@given(shape=st.lists(DIMS, min_size=1, max_size=2), lr=st.floats(1e-3, 2.0), dtype=FLOATS,
       seed=SEEDS)
def test_sgd_step_matches_twin_in_place(shape, lr, dtype, seed):
    rng = np.random.default_rng(seed)
    param, grad = random(rng, shape, dtype), random(rng, shape, dtype)
    want = param.copy()
    reference.sgd_step(want, grad, lr)
    assert kernels.sgd_step(param, grad, lr) is None
    assert_twin(param, want, dtype, 4.0)


@FEW
@given(B=DIMS, K=st.integers(2, 12), scale=st.sampled_from([0.1, 3.0, 300.0]), dtype=FLOATS,
       seed=SEEDS)
def test_losses_match_twins(B, K, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    Y, T = random(rng, (B, K), dtype), random(rng, (B, K), dtype)
    loss, dY = kernels.half_sse(Y, T)
    want_loss, want_dY = reference.half_sse(Y, T)
    assert_loss(loss, want_loss, dtype)
    assert_twin(dY, want_dY, dtype)

    P = rng.uniform(0, 1, (B, K)).astype(dtype)
    P[0, 0] = 0.0  # a saturated sigmoid: clipping must keep everything finite
    T01 = rng.integers(0, 2, (B, K)).astype(dtype)
    loss, dP = kernels.binary_cross_entropy(P, T01)
    want_loss, want_dP = reference.binary_cross_entropy(P, T01)
    assert np.isfinite(loss) and np.all(np.isfinite(dP))
    assert_loss(loss, want_loss, dtype)
    assert_twin(dP, want_dP, dtype)

    Z, labels = random(rng, (B, K), dtype, scale), rng.integers(0, K, B)
    assert_twin(kernels.softmax(Z), reference.softmax(Z), dtype)
    loss, dZ = kernels.softmax_cross_entropy(Z, labels)
    want_loss, want_dZ = reference.softmax_cross_entropy(Z, labels)
    assert_loss(loss, want_loss, dtype)
    assert_twin(dZ, want_dZ, dtype)


# --- finite-difference gradient checks (float64) ---------------------------------------------

@pytest.mark.parametrize("forward, backward, takes", ACTIVATIONS)
def test_activation_backward_matches_finite_differences(forward, backward, takes):
    rng = np.random.default_rng(1)
    Z = rng.uniform(-3, 3, (4, 5))
    Z[np.abs(Z) < 0.01] = 0.5  # keep ReLU's kink out of reach of the finite difference
    G = rng.standard_normal(Z.shape)
    fwd, bwd = getattr(kernels, forward), getattr(kernels, backward)
    loss = lambda z: np.sum(fwd(z) * G)  # noqa: E731
    grad = lambda z: bwd(fwd(z) if takes == "Y" else z, G)  # noqa: E731
    assert check_gradient(loss, grad, Z) < 1e-7


@pytest.mark.parametrize("which", ["X", "W", "b"])
def test_dense_backward_matches_finite_differences(which):
    rng = np.random.default_rng(2)
    args = {"X": rng.standard_normal((3, 5)), "W": rng.standard_normal((5, 4)),
            "b": rng.standard_normal(4)}
    G = rng.standard_normal((3, 4))
    k = "XWb".index(which)

    def loss(v):
        return np.sum(kernels.dense_forward(**{**args, which: v}) * G)

    def grad(v):
        a = {**args, which: v}
        return kernels.dense_backward(a["X"], a["W"], G)[k]

    assert check_gradient(loss, grad, args[which]) < 1e-7


def test_losses_match_finite_differences():
    rng = np.random.default_rng(3)
    Y, T = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert check_gradient(lambda y: kernels.half_sse(y, T)[0],
                          lambda y: kernels.half_sse(y, T)[1], Y) < 1e-7
    P, T01 = rng.uniform(0.05, 0.95, (3, 4)), rng.integers(0, 2, (3, 4)).astype(float)
    assert check_gradient(lambda p: kernels.binary_cross_entropy(p, T01)[0],
                          lambda p: kernels.binary_cross_entropy(p, T01)[1], P) < 1e-7
    # Unit-scale logits: with large ones some p_k are ~1e-6 and the finite difference's
    # ~1e-10 absolute error becomes a large *relative* error on those tiny entries.
    Z, labels = rng.standard_normal((5, 6)), rng.integers(0, 6, 5)
    assert check_gradient(lambda z: kernels.softmax_cross_entropy(z, labels)[0],
                          lambda z: kernels.softmax_cross_entropy(z, labels)[1], Z) < 1e-6


# --- conventions and numerical stability -----------------------------------------------------

def test_relu_derivative_is_one_at_zero():
    Z = np.array([-2.0, -0.0, 0.0, 3.0])
    assert kernels.relu(Z).tolist() == [0.0, 0.0, 0.0, 3.0]
    assert kernels.relu_backward(Z, np.full(4, 5.0)).tolist() == [0.0, 5.0, 5.0, 5.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_is_odd_and_within_three_eps_of_the_exact_value(dtype):
    """tanh comes from the polynomial e^-x of lessons.kernels.fixed_order, not from libm:
    within 3 eps of tanh z (absolute: near 0, 1 - e^-2|z| cancels), odd to the bit, and the
    Tanh layer computes the same bits."""
    from lessons.layers import Tanh
    rng = np.random.default_rng(7)
    special = [0.0, 1e-30, 1e-7, 0.01, 0.3466, 0.3467, 1.0, 9.0, 9.1, 20.0, 44.0, 400.0, 1e30]
    z = np.concatenate([special, rng.normal(scale=4, size=50_000)]).astype(dtype)
    y = kernels.tanh(z)
    assert y.dtype == dtype
    np.testing.assert_array_less(np.abs(y - np.tanh(z.astype(np.longdouble))),
                                 3 * np.finfo(dtype).eps)
    assert np.array_equal(kernels.tanh(-z), -y)
    assert np.all(np.abs(y) <= 1) and kernels.tanh(np.zeros(1, dtype))[0] == 0
    assert np.array_equal(Tanh().forward(z[None]), y[None])


TANH_FINGERPRINT = """
import hashlib
import numpy as np
from lessons import kernels
from lessons.layers import Tanh
digest = hashlib.sha256()
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    z = rng.normal(scale=3, size=(60, 2, 7, 7)).astype(dtype)
    digest.update(kernels.tanh(z).tobytes() + Tanh().forward(z, training=True).tobytes())
print(digest.hexdigest())
"""


def test_tanh_gives_the_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(TANH_FINGERPRINT)
    assert here == other


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_inputs_stay_finite_without_warnings(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.sigmoid(np.array([-1000, 0, 1000], dtype)).tolist() == [0.0, 0.5, 1.0]
        assert reference.sigmoid(np.array([-1000, 0, 1000], dtype)).tolist() == [0.0, 0.5, 1.0]
        assert kernels.tanh(np.array([-1000, 1000], dtype)).tolist() == [-1.0, 1.0]
        Z = np.array([[1000.0, 0.0, -1000.0]], dtype)
        assert kernels.softmax(Z).tolist() == [[1.0, 0.0, 0.0]]
        loss, dZ = kernels.softmax_cross_entropy(Z, [2])
        assert loss == pytest.approx(2000.0) and dZ.tolist() == [[1.0, 0.0, -1.0]]
        P, T = np.array([0.0, 1.0], dtype), np.array([1.0, 0.0], dtype)
        loss, dP = kernels.binary_cross_entropy(P, T)
        assert loss == pytest.approx(-np.log(1e-7), rel=1e-3) and np.all(np.isfinite(dP))
        assert dP[0] < 0 < dP[1]  # still pushes the saturated predictions the right way


def test_softmax_rows_are_probabilities_and_uniform_logits_give_log_k():
    P = kernels.softmax(np.random.default_rng(4).standard_normal((6, 10)) * 5)
    assert np.all(P > 0) and np.allclose(P.sum(axis=1), 1.0, atol=1e-14)
    loss, dZ = kernels.softmax_cross_entropy(np.zeros((4, 10)), np.arange(4))
    assert loss == pytest.approx(np.log(10)) and np.allclose(dZ.sum(axis=1), 0.0)


def test_result_dtype_follows_the_inputs():
    x32, x64 = np.ones((2, 3), np.float32), np.ones((2, 3))
    w32, b32 = np.ones((3, 2), np.float32), np.ones(2, np.float32)
    assert kernels.dense_forward(x32, w32, b32).dtype == np.float32
    assert kernels.dense_forward(x64, w32, b32).dtype == np.float64
    assert kernels.dense_forward(x32.astype(int), w32, b32).dtype == np.float64
    grads = kernels.dense_backward(x32, w32, np.ones((2, 2), np.float32))
    assert [g.dtype for g in grads] == [np.float32] * 3
    assert kernels.sigmoid_backward(x32, x64).dtype == np.float64
    assert kernels.relu(np.array([1, -1])).dtype == np.float64
    assert kernels.half_sse(x32, x32)[1].dtype == np.float32
    param = np.ones(3, np.float32)
    kernels.sgd_step(param, np.ones(3), 0.5)
    assert param.dtype == np.float32 and param.tolist() == [0.5, 0.5, 0.5]


def test_non_contiguous_inputs_give_the_contiguous_answer():
    rng = np.random.default_rng(5)
    big, W, b = rng.standard_normal((4, 10)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    X = big[:, ::2]
    assert not X.flags.c_contiguous
    assert np.array_equal(kernels.dense_forward(X, W, b), kernels.dense_forward(X.copy(), W, b))
    Zt = rng.standard_normal((3, 5)).T
    assert np.array_equal(kernels.tanh(Zt), kernels.tanh(Zt.copy()))
    dZ = rng.standard_normal((3, 4)).T
    for got, want in zip(kernels.dense_backward(X, W.T.copy().T, dZ),
                         kernels.dense_backward(X.copy(), W, dZ.copy())):
        assert np.array_equal(got, want)


# --- bad input: every public entry point ----------------------------------------------------

X2, W2, b2 = np.ones((4, 784)), np.ones((10, 5)), np.ones(5)
NAN = np.array([[1.0, np.nan]])
INF = np.array([[np.inf, 1.0]])


@pytest.mark.parametrize("call, error, match", [
    (lambda: kernels.dense_forward(X2, W2, b2), ValueError,
     r"dense_forward: W has 10 input rows but X has 784 columns "
     r"\(X is \[B, n_in\], W is \[n_in, n_out\]"),
    (lambda: kernels.dense_forward(np.ones((4, 10)), W2, np.ones(4)), ValueError,
     "b has 4 entries but W has 5 columns"),
    (lambda: kernels.dense_forward(np.ones(10), W2, b2), ValueError, r"X must be 2-D \[B, n_in\]"),
    (lambda: kernels.dense_forward(np.ones((0, 10)), W2, b2), ValueError, "X is empty"),
    (lambda: kernels.dense_forward(np.ones((4, 2)), NAN.T @ NAN, np.ones(2)), ValueError,
     "W contains NaN or inf"),
    (lambda: kernels.dense_forward(INF, np.ones((2, 2)), np.ones(2)), ValueError,
     "X contains NaN or inf"),
    (lambda: kernels.dense_forward("X", W2, b2), TypeError, "X must be a numeric array"),
    (lambda: kernels.dense_backward(np.ones((4, 10)), W2, np.ones((4, 6))), ValueError,
     r"dense_backward: dZ has shape \(4, 6\) but the layer's output Z is \(4, 5\)"),
    (lambda: kernels.dense_backward(np.ones((4, 10)), W2, np.ones((3, 5))), ValueError,
     r"dZ has shape \(3, 5\)"),
    (lambda: kernels.sgd_step(np.ones(3, dtype=int), np.ones(3), 0.1), TypeError,
     "sgd_step: param is updated in place .* integer array would truncate"),
    (lambda: kernels.sgd_step(np.ones(6)[::2], np.ones(3), 0.1), ValueError,
     "param must be C-contiguous"),
    (lambda: kernels.sgd_step([1.0, 2.0], np.ones(2), 0.1), TypeError, "NumPy float array"),
    (lambda: kernels.sgd_step(np.ones(3), np.ones(4), 0.1), ValueError,
     r"grad has shape \(4,\) but param has shape \(3,\)"),
    (lambda: kernels.sgd_step(np.ones(3), np.array([0.0, np.inf, 1.0]), 0.1), ValueError,
     "grad contains NaN or inf"),
    (lambda: kernels.sgd_step(np.ones(3), np.ones(3), 0.0), ValueError, "lr must be > 0"),
    (lambda: kernels.sgd_step(np.ones(3), np.ones(3), float("nan")), ValueError,
     "lr must be finite"),
    (lambda: kernels.sigmoid(NAN), ValueError, "sigmoid: Z contains NaN or inf"),
    (lambda: kernels.tanh(np.array([])), ValueError, "tanh: Z is empty"),
    (lambda: kernels.relu(np.array(["a"])), TypeError, "relu: Z must be a numeric array"),
    (lambda: kernels.sigmoid_backward(np.ones((3, 4)), np.ones((3, 5))), ValueError,
     r"sigmoid_backward: dY has shape \(3, 5\) but Y has shape \(3, 4\)"),
    (lambda: kernels.tanh_backward(np.ones(3), INF[0]), ValueError, "dY contains NaN or inf"),
    (lambda: kernels.relu_backward(np.ones(3), np.ones(2)), ValueError, "but Z has shape"),
    (lambda: kernels.half_sse(np.ones((2, 1)), np.ones(2)), ValueError,
     r"half_sse: T has shape \(2,\) but Y has shape \(2, 1\)"),
    (lambda: kernels.half_sse(NAN, np.ones((1, 2))), ValueError, "Y contains NaN or inf"),
    (lambda: kernels.binary_cross_entropy(np.array([0.5, 1.5]), np.ones(2)), ValueError,
     r"P must hold probabilities in \[0, 1\] \(pass sigmoid\(Z\), not the logits Z\)"),
    (lambda: kernels.binary_cross_entropy(np.ones(2) / 2, np.array([0.0, -1.0])), ValueError,
     r"T must hold probabilities in \[0, 1\], got values in \[-1, 0\]"),
    (lambda: kernels.softmax(np.ones(3)), ValueError, r"softmax: Z must be 2-D \[B, n_classes\]"),
    (lambda: kernels.softmax_cross_entropy(np.ones((3, 10)), [0, 10, 2]), ValueError,
     r"labels must be class indices 0..9 \(Z has 10 columns\), got values in \[0, 10\]"),
    (lambda: kernels.softmax_cross_entropy(np.ones((3, 10)), [0, -1, 2]), ValueError,
     r"got values in \[-1, 2\]"),
    (lambda: kernels.softmax_cross_entropy(np.ones((3, 10)), [0.0, 1.0, 2.0]), TypeError,
     "labels must hold integer class indices, got dtype float64"),
    (lambda: kernels.softmax_cross_entropy(np.ones((3, 10)), [0, 1]), ValueError,
     r"labels has shape \(2,\) but Z has 3 rows"),
    (lambda: kernels.softmax_cross_entropy(np.ones((3, 10)), np.zeros((3, 1), int)), ValueError,
     "labels has shape"),
    (lambda: kernels.softmax_cross_entropy(np.ones((0, 10)), []), ValueError, "Z is empty"),
])
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_rejected_in_place_update_leaves_param_alone():
    param = np.ones(3)
    with pytest.raises(ValueError):
        kernels.sgd_step(param, np.ones(4), 0.1)
    assert param.tolist() == [1.0, 1.0, 1.0]


def test_uint8_labels_as_stored_in_idx_files_are_accepted():
    Z = np.zeros((3, 10))
    loss, _ = kernels.softmax_cross_entropy(Z, np.array([0, 9, 3], np.uint8))
    assert loss == pytest.approx(np.log(10))


# --- issue 8: a scalar in gives a scalar out ---------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: kernels.sigmoid(0.0), lambda: kernels.tanh(0.0), lambda: kernels.relu(0.0),
    lambda: kernels.sigmoid_backward(0.5, 1.0), lambda: kernels.tanh_backward(0.5, 1.0),
    lambda: kernels.relu_backward(0.5, 1.0),
    lambda: numerical_gradient(lambda v: float(v) ** 2, np.array(3.0)),
], ids=["sigmoid", "tanh", "relu", "sigmoid_backward", "tanh_backward", "relu_backward",
        "numerical_gradient"])
def test_a_0d_input_gives_a_0d_output(call):
    assert call().shape == ()


def test_sgd_step_updates_a_0d_parameter_in_place():
    param = np.array(1.0)
    kernels.sgd_step(param, np.array(0.5), 0.1)
    assert param.shape == () and param == pytest.approx(0.95)
