"""Chapters 10 and 11: recurrent kernels against their NumPy twins, finite differences over
whole sequences, and bad input."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.gradcheck import check_gradient


def _rnn_case(rng, T=5, B=3, m=2, n=4, dtype=np.float64):
    X = rng.normal(size=(T, B, m))
    h0 = rng.normal(size=(B, n)) * 0.5
    U = rng.normal(size=(m, n)) * 0.5
    W = rng.normal(size=(n, n)) * 0.5
    b = rng.normal(size=n) * 0.1
    return [a.astype(dtype) for a in (X, h0, U, W, b)]


def _lstm_case(rng, T=5, B=3, m=2, n=3, gates=4):
    X = rng.normal(size=(T, B, m))
    h0 = rng.normal(size=(B, n)) * 0.5
    c0 = rng.normal(size=(B, n)) * 0.5
    Wx = rng.normal(size=(m, gates * n)) * 0.5
    Wh = rng.normal(size=(n, gates * n)) * 0.5
    b = rng.normal(size=gates * n) * 0.1
    return X, h0, c0, Wx, Wh, b


def _close(a, b, tol):
    for x, y in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-4)])
def test_rnn_matches_twin(seed, dtype, tol):
    rng = np.random.default_rng(seed)
    T, B, m, n = (int(v) for v in rng.integers(1, 7, size=4))
    X, h0, U, W, b = _rnn_case(rng, T, B, m, n, dtype)
    H = kernels.rnn_forward(X, h0, U, W, b)
    assert H.dtype == dtype and H.shape == (T, B, n)
    _close(H, reference.rnn_forward(X, h0, U, W, b), tol)
    dH = rng.normal(size=H.shape).astype(dtype)
    _close(kernels.rnn_backward(X, h0, U, W, H, dH),
           reference.rnn_backward(X, h0, U, W, H, dH), tol)


@pytest.mark.parametrize("seed", range(3))
def test_lstm_and_gru_match_twins(seed):
    rng = np.random.default_rng(seed)
    X, h0, c0, Wx, Wh, b = _lstm_case(rng)
    out = kernels.lstm_forward(X, h0, c0, Wx, Wh, b)
    _close(out, reference.lstm_forward(X, h0, c0, Wx, Wh, b), 1e-12)
    dH = rng.normal(size=out[0].shape)
    _close(kernels.lstm_backward(X, h0, c0, Wx, Wh, *out, dH),
           reference.lstm_backward(X, h0, c0, Wx, Wh, *out, dH), 1e-12)
    X, h0, _, Wx, Wh, b = _lstm_case(rng, gates=3)
    out = kernels.gru_forward(X, h0, Wx, Wh, b)
    _close(out, reference.gru_forward(X, h0, Wx, Wh, b), 1e-12)
    _close(kernels.gru_backward(X, h0, Wx, Wh, *out, dH),
           reference.gru_backward(X, h0, Wx, Wh, *out, dH), 1e-12)


def _check_all(loss, grads, args, names):
    """Finite differences for every argument in names (a dict name -> index in args)."""
    for name, k in names.items():
        def f(v, k=k):
            a = list(args)
            a[k] = v
            return loss(*a)

        def g(v, k=k, name=name):
            a = list(args)
            a[k] = v
            return grads(*a)[name]
        assert check_gradient(f, g, args[k]) < 1e-7, name


def test_rnn_backward_finite_differences_over_the_whole_sequence():
    rng = np.random.default_rng(1)
    X, h0, U, W, b = _rnn_case(rng, T=6)
    G = rng.normal(size=(6, 3, 4))  # a loss that reads every h_t: L = sum(G * H)

    def loss(X, h0, U, W, b):
        return float(np.sum(G * kernels.rnn_forward(X, h0, U, W, b)))

    def grads(X, h0, U, W, b):
        H = kernels.rnn_forward(X, h0, U, W, b)
        return dict(zip(("X", "h0", "U", "W", "b"), kernels.rnn_backward(X, h0, U, W, H, G)))

    _check_all(loss, grads, [X, h0, U, W, b], {"X": 0, "h0": 1, "U": 2, "W": 3, "b": 4})


def test_lstm_backward_finite_differences():
    rng = np.random.default_rng(2)
    args = list(_lstm_case(rng))
    G = rng.normal(size=(5, 3, 3))

    def loss(X, h0, c0, Wx, Wh, b):
        return float(np.sum(G * kernels.lstm_forward(X, h0, c0, Wx, Wh, b)[0]))

    def grads(X, h0, c0, Wx, Wh, b):
        out = kernels.lstm_forward(X, h0, c0, Wx, Wh, b)
        return dict(zip(("X", "h0", "c0", "Wx", "Wh", "b"),
                        kernels.lstm_backward(X, h0, c0, Wx, Wh, *out, G)))

    _check_all(loss, grads, args, {"X": 0, "h0": 1, "c0": 2, "Wx": 3, "Wh": 4, "b": 5})


def test_gru_backward_finite_differences():
    rng = np.random.default_rng(3)
    X, h0, _, Wx, Wh, b = _lstm_case(rng, gates=3)
    G = rng.normal(size=(5, 3, 3))

    def loss(X, h0, Wx, Wh, b):
        return float(np.sum(G * kernels.gru_forward(X, h0, Wx, Wh, b)[0]))

    def grads(X, h0, Wx, Wh, b):
        out = kernels.gru_forward(X, h0, Wx, Wh, b)
        return dict(zip(("X", "h0", "Wx", "Wh", "b"), kernels.gru_backward(X, h0, Wx, Wh, *out, G)))

    _check_all(loss, grads, [X, h0, Wx, Wh, b], {"X": 0, "h0": 1, "Wx": 2, "Wh": 3, "b": 4})


def test_time_dense_matches_twin_and_finite_differences():
    rng = np.random.default_rng(4)
    H, V, c = rng.normal(size=(4, 2, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    Y = kernels.time_dense_forward(H, V, c)
    _close(Y, reference.time_dense_forward(H, V, c), 1e-12)
    dY = rng.normal(size=Y.shape)
    _close(kernels.time_dense_backward(H, V, dY), reference.time_dense_backward(H, V, dY), 1e-12)
    assert check_gradient(lambda v: float(np.sum(dY * kernels.time_dense_forward(H, v, c))),
                          lambda v: kernels.time_dense_backward(H, v, dY)[1], V) < 1e-7


def test_gru_is_the_book_convention_z_weights_the_candidate():
    # with z saturated at 1 the new state is the candidate; at 0 the old state passes through
    n, m = 2, 1
    X, h0 = np.ones((1, 1, m)), np.array([[0.3, -0.2]])
    Wx, Wh = np.zeros((m, 3 * n)), np.zeros((n, 3 * n))
    for bz, expect_old in ((40.0, False), (-40.0, True)):
        b = np.r_[np.full(n, bz), np.zeros(n), np.full(n, 0.5)]
        H, _ = kernels.gru_forward(X, h0, Wx, Wh, b)
        want = h0 if expect_old else np.tanh(0.5) * np.ones((1, n))
        np.testing.assert_allclose(H[0], want, atol=1e-12)


def test_lstm_cell_state_is_the_constant_error_carousel():
    # forget gate open (bias +40), input gate shut (-40): c passes through unchanged, and its
    # gradient too (dc0 = dC at the end, exactly)
    n, m, T = 2, 1, 30
    X, h0, c0 = np.zeros((T, 1, m)), np.zeros((1, n)), np.array([[0.7, -0.4]])
    Wx, Wh = np.zeros((m, 4 * n)), np.zeros((n, 4 * n))
    b = np.r_[np.full(n, -40.0), np.full(n, 40.0), np.zeros(n), np.zeros(n)]
    H, C, G = kernels.lstm_forward(X, h0, c0, Wx, Wh, b)
    np.testing.assert_allclose(C[-1], c0, rtol=1e-12)
    dH = np.zeros_like(H)
    dH[-1] = 1.0
    dc0 = kernels.lstm_backward(X, h0, c0, Wx, Wh, H, C, G, dH)[2]
    tc = np.tanh(c0)
    np.testing.assert_allclose(dc0, 0.5 * (1 - tc ** 2), rtol=1e-9)  # o = sigma(0) = 0.5


@pytest.mark.parametrize("seed", range(5))
def test_sampling_matches_twin_and_temperature(seed):
    rng = np.random.default_rng(seed)
    logp = np.log(rng.dirichlet(np.ones(6), size=50))
    u = rng.random(50)
    for T in (0.2, 1.0, 3.0):
        np.testing.assert_array_equal(kernels.sample_with_temperature(logp, T, u),
                                      reference.sample_with_temperature(logp, T, u))
    # a tiny temperature is the argmax
    np.testing.assert_array_equal(kernels.sample_with_temperature(logp, 1e-4, u),
                                  logp.argmax(axis=1))


def test_sampling_frequencies_follow_the_distribution():
    rng = np.random.default_rng(0)
    p = np.array([0.5, 0.3, 0.2])
    idx = kernels.sample_with_temperature(np.tile(np.log(p), (20000, 1)), 1.0, rng.random(20000))
    np.testing.assert_allclose(np.bincount(idx, minlength=3) / 20000, p, atol=0.015)


def test_clip_by_global_norm_scales_a_recurrent_nets_arrays_together():
    g = [np.array([3.0, 0.0]), np.array([[4.0]])]
    assert kernels.clip_by_global_norm(g, 1.0) == 5.0  # the norm before clipping, in place:
    np.testing.assert_allclose(g[0], [0.6, 0.0])
    np.testing.assert_allclose(g[1], [[0.8]])
    assert kernels.clip_by_global_norm(g, 10.0) == pytest.approx(1.0)  # under the cap: kept
    np.testing.assert_allclose(g[1], [[0.8]])


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.rnn_forward(np.zeros((3, 2)), np.zeros((2, 4)), np.zeros((1, 4)),
                                 np.zeros((4, 4)), np.zeros(4)), "X must be 3-D"),
    (lambda: kernels.rnn_forward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((2, 4)),
                                 np.zeros((4, 4)), np.zeros(4)), "U has shape"),
    (lambda: kernels.rnn_forward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((1, 4)),
                                 np.zeros((4, 5)), np.zeros(4)), "W has shape"),
    (lambda: kernels.rnn_forward(np.zeros((3, 2, 1)), np.zeros((3, 4)), np.zeros((1, 4)),
                                 np.zeros((4, 4)), np.zeros(4)), "h0 has shape"),
    (lambda: kernels.rnn_forward(np.full((3, 2, 1), np.nan), np.zeros((2, 4)), np.zeros((1, 4)),
                                 np.zeros((4, 4)), np.zeros(4)), "X contains NaN"),
    (lambda: kernels.rnn_backward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((1, 4)),
                                  np.zeros((4, 4)), np.zeros((3, 2, 4)), np.zeros((2, 2, 4))),
     "dH has shape"),
    (lambda: kernels.lstm_forward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((2, 3)),
                                  np.zeros((1, 16)), np.zeros((4, 16)), np.zeros(16)),
     "c0 has shape"),
    (lambda: kernels.lstm_forward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((2, 4)),
                                  np.zeros((1, 12)), np.zeros((4, 12)), np.zeros(12)),
     "Wh has shape"),
    (lambda: kernels.gru_forward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((1, 12)),
                                 np.zeros((4, 12)), np.zeros(4)), "b has 4 entries"),
    (lambda: kernels.gru_backward(np.zeros((3, 2, 1)), np.zeros((2, 4)), np.zeros((1, 12)),
                                  np.zeros((4, 12)), np.zeros((3, 2, 4)), np.zeros((3, 2, 8)),
                                  np.zeros((3, 2, 4))), "G has shape"),
    (lambda: kernels.time_dense_forward(np.zeros((3, 2, 4)), np.zeros((5, 1)), np.zeros(1)),
     "V has 5 rows"),
    (lambda: kernels.sample_with_temperature(np.zeros((2, 3)), 0.0, np.zeros(2)),
     "temperature must be > 0"),
    (lambda: kernels.sample_with_temperature(np.zeros((2, 3)), 1.0, np.ones(2)),
     "u must lie in"),
    (lambda: kernels.sample_with_temperature(np.zeros((2, 3)), 1.0, np.zeros(3)), "u has 3"),
    (lambda: kernels.clip_by_global_norm([np.ones(2)], -1.0), "max_norm must be > 0"),
    (lambda: kernels.clip_by_global_norm(None, 1.0), "grads must be a list"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigma_and_tanh_within_a_few_ulps_of_the_library(dtype):
    """The gates' sigma and tanh come from a polynomial exp (lessons.kernels.fixed_order):
    within a few units in the last place of NumPy's, from the tiny to the saturated."""
    from lessons.kernels.fixed_order import sigma_columns, tanh_columns
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1e-30, -1e-30, 1e-7, 0.3466, 0.3467, 20.0, -20.0, 87.5, -87.5, -103.9,
               -110.0, 745.0, -745.0, -800.0, np.inf, -np.inf]
    z = np.concatenate([special, rng.normal(scale=8, size=20_000)]).astype(dtype)
    s, t = z[None].copy(), z[None].copy()
    sigma_columns(s, 0, z.size)
    tanh_columns(t, 0, z.size)
    exact = z.astype(np.longdouble)
    eps = np.finfo(dtype).eps
    want = 1 / (1 + np.exp(-exact))
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_array_less(np.abs(s[0] - want), 3 * eps * want + tiny)
    # tanh as (1 - e^-2|z|) / (1 + e^-2|z|): a few ulps of 1 near 0, where 1 - e cancels
    np.testing.assert_array_less(np.abs(t[0] - np.tanh(exact)), 3 * eps)
    nan = np.array([[np.nan]], dtype)
    sigma_columns(nan, 0, 1)
    assert np.isnan(nan[0, 0])


def test_sin_cos_within_two_ulps_of_the_long_double_values():
    """The positional encoding's sines (lessons.kernels.fixed_order.sin_cos), from 0 to 10^5
    and below 0, against the x87's 64-bit-mantissa sin and cos."""
    from lessons.kernels.fixed_order import sin_cos
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 1e-300, np.pi / 4, np.pi / 2, np.pi, 1.0, 100.0, 511.0, 1e5, -3.0]
    x = np.concatenate([special, rng.uniform(-20, 20, 20_000), rng.uniform(0, 1e5, 20_000)])
    got = np.array([sin_cos(v) for v in x])
    for column, exact in enumerate((np.sin(x.astype(np.longdouble)),
                                    np.cos(x.astype(np.longdouble)))):
        want = exact.astype(np.float64)
        # near a zero (cos(pi / 2)), 10^-26 absolute: pi / 2 is only 99 bits long
        np.testing.assert_array_less(np.abs(got[:, column] - exact),
                                     2 * np.spacing(np.abs(want)) + 1e-26)
    assert np.isnan(sin_cos(np.nan)[0])


FINGERPRINT = """
import hashlib
import numpy as np
from lessons import kernels
from lessons.kernels.fixed_order import sigma_columns, tanh_columns
digest = hashlib.sha256()
rng = np.random.default_rng(0)
for dtype in (np.float32, np.float64):
    z = (rng.normal(scale=10, size=(7, 1000))).astype(dtype)
    s, t = z.copy(), z.copy()
    sigma_columns(s, 0, 1000)
    tanh_columns(t, 0, 1000)
    digest.update(s.tobytes() + t.tobytes())
    T, B, m, n = 6, 5, 3, 9
    X = rng.normal(size=(T, B, m)).astype(dtype)
    h0, c0 = (rng.normal(size=(2, B, n)) * 0.5).astype(dtype)
    Wx = (rng.normal(size=(m, 4 * n)) * 0.5).astype(dtype)
    Wh = (rng.normal(size=(n, 4 * n)) * 0.5).astype(dtype)
    b = (rng.normal(size=4 * n) * 0.1).astype(dtype)
    dH = rng.normal(size=(T, B, n)).astype(dtype)
    out = kernels.lstm_forward(X, h0, c0, Wx, Wh, b)
    for a in out + kernels.lstm_backward(X, h0, c0, Wx, Wh, *out, dH):
        digest.update(a.tobytes())
    out = kernels.gru_forward(X, h0, Wx[:, :3 * n], Wh[:, :3 * n], b[:3 * n])
    for a in out + kernels.gru_backward(X, h0, Wx[:, :3 * n], Wh[:, :3 * n], *out, dH):
        digest.update(a.tobytes())
    H = kernels.rnn_forward(X, h0, Wx[:, :n], Wh[:, :n], b[:n])
    for a in (H, *kernels.rnn_backward(X, h0, Wx[:, :n], Wh[:, :n], H, dH)):
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_rnn_lstm_and_gru_give_the_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
