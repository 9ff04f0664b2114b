"""Chapter 14: scaled dot-product attention (with causal and padding masks), the head split,
layer norm, GELU and the positional encoding against their NumPy twins, finite differences,
bad input, and the same bits on another instruction set."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.gradcheck import check_gradient


def _qkv(rng, B=2, H=3, T=5, dk=4, dv=3, dtype=np.float64):
    return (rng.normal(size=(B, H, T, dk)).astype(dtype), rng.normal(size=(B, H, T, dk)).astype(dtype),
            rng.normal(size=(B, H, T, dv)).astype(dtype))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_attention_matches_twin(causal, padded, dtype):
    rng = np.random.default_rng(0)
    Q, K, V = _qkv(rng, dtype=dtype)
    keys = np.array([[True] * 5, [True, True, False, True, False]]) if padded else None
    O, A = kernels.attention_forward(Q, K, V, causal=causal, key_mask=keys)
    O2, A2 = reference.attention_forward(Q, K, V, causal=causal, key_mask=keys)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    assert O.dtype == dtype and A.shape == (2, 3, 5, 5)
    np.testing.assert_allclose(A, A2, atol=tol)
    np.testing.assert_allclose(O, O2, atol=tol)
    np.testing.assert_allclose(A.sum(-1), 1.0, atol=tol)
    if causal:
        assert np.all(np.triu(A[0, 0], 1) == 0.0)
    if padded:
        assert np.all(A[1, :, :, [2, 4]] == 0.0)
    dO = rng.normal(size=O.shape).astype(dtype)
    for g, g2 in zip(kernels.attention_backward(Q, K, V, A, dO),
                     reference.attention_backward(Q, K, V, A2, dO)):
        np.testing.assert_allclose(g, g2, atol=10 * tol)


def test_row_with_no_key_gives_zero():
    rng = np.random.default_rng(1)
    Q, K, V = _qkv(rng, B=1)
    O, A = kernels.attention_forward(Q, K, V, key_mask=np.zeros((1, 5), bool))
    assert np.all(O == 0) and np.all(A == 0)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("scale", [None, 1.0])
def test_attention_backward_finite_differences(causal, scale):
    rng = np.random.default_rng(2)
    Q, K, V = _qkv(rng, B=1, H=2, T=4, dk=3, dv=2)
    keys = np.array([[True, True, True, False]])
    G = rng.normal(size=(1, 2, 4, 2))
    args = dict(Q=Q, K=K, V=V)

    for k, name in enumerate("QKV"):
        def loss(x, name=name):
            O, _ = kernels.attention_forward(**{**args, name: x}, causal=causal, key_mask=keys,
                                             scale=scale)
            return float(np.sum(G * O))

        def grad(x, name=name, k=k):
            a = {**args, name: x}
            _, A = kernels.attention_forward(**a, causal=causal, key_mask=keys, scale=scale)
            return kernels.attention_backward(a["Q"], a["K"], a["V"], A, G, scale=scale)[k]

        assert check_gradient(loss, grad, args[name]) < 1e-7, name


def test_heads_split_and_merge():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2, 5, 12))
    Y = kernels.split_heads(X, 3)
    assert Y.shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(Y, reference.split_heads(X, 3))
    np.testing.assert_array_equal(Y[1, 2, 4], X[1, 4, 8:12])  # head 2 takes columns 8..11
    np.testing.assert_array_equal(kernels.merge_heads(Y), X)
    np.testing.assert_array_equal(kernels.merge_heads(Y), reference.merge_heads(Y))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm_matches_twin(dtype):
    rng = np.random.default_rng(4)
    X = (rng.normal(size=(3, 4, 6)) * 3 + 1).astype(dtype)
    gamma, beta = rng.normal(size=6).astype(dtype), rng.normal(size=6).astype(dtype)
    Y = kernels.layer_norm_forward(X, gamma, beta)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(Y, reference.layer_norm_forward(X, gamma, beta), atol=tol)
    Z = kernels.layer_norm_forward(X, np.ones(6, dtype), np.zeros(6, dtype))
    np.testing.assert_allclose(Z.mean(-1), 0.0, atol=10 * tol)
    np.testing.assert_allclose(Z.std(-1), 1.0, atol=1e-3)  # eps = 1e-5 keeps it just under 1
    dY = rng.normal(size=X.shape).astype(dtype)
    for g, g2 in zip(kernels.layer_norm_backward(X, gamma, dY),
                     reference.layer_norm_backward(X, gamma, dY)):
        np.testing.assert_allclose(g, g2, atol=10 * tol)


def test_layer_norm_finite_differences():
    rng = np.random.default_rng(5)
    X, gamma, beta = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5)
    G = rng.normal(size=(3, 5))
    args = dict(X=X, gamma=gamma, beta=beta)
    for k, name in enumerate(("X", "gamma", "beta")):
        def loss(v, name=name):
            return float(np.sum(G * kernels.layer_norm_forward(**{**args, name: v})))

        def grad(v, name=name, k=k):
            a = {**args, name: v}
            return kernels.layer_norm_backward(a["X"], a["gamma"], G)[k]

        assert check_gradient(loss, grad, args[name]) < 1e-7, name


def test_gelu_matches_twin_and_finite_differences():
    z = np.linspace(-6, 6, 241)
    np.testing.assert_allclose(kernels.gelu(z), reference.gelu(z), atol=1e-15)
    assert kernels.gelu(np.array([0.0]))[0] == 0.0
    assert abs(kernels.gelu(np.array([-0.7518]))[0] + 0.16997) < 1e-4  # the minimum
    dy = np.random.default_rng(6).normal(size=z.shape)
    np.testing.assert_allclose(kernels.gelu_backward(z, dy), reference.gelu_backward(z, dy),
                               atol=1e-14)
    assert check_gradient(lambda v: float(np.sum(dy * kernels.gelu(v))),
                          lambda v: kernels.gelu_backward(v, dy), z) < 1e-8
    assert kernels.gelu(z.astype(np.float32)).dtype == np.float32


def test_positional_encoding_is_ekmans_formula():
    P = kernels.positional_encoding(50, 16)
    np.testing.assert_allclose(P, reference.positional_encoding(50, 16), atol=1e-12)
    pos, i, d = 7, 6, 16
    assert abs(P[pos, i] - np.sin(pos / 10000 ** (i / d))) < 1e-15             # even i
    assert abs(P[pos, i + 1] - np.cos(pos / 10000 ** (i / d))) < 1e-15         # odd: (i+1-1)/d
    np.testing.assert_array_equal(P[0, 0::2], 0.0)
    np.testing.assert_array_equal(P[0, 1::2], 1.0)
    # every sin/cos pair has norm 1, so every row has norm sqrt(d / 2)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), np.sqrt(8), atol=1e-12)


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.attention_forward(np.zeros((1, 1, 2, 3)), np.zeros((1, 1, 2, 4)),
                                       np.zeros((1, 1, 2, 3))), "K has shape"),
    (lambda: kernels.attention_forward(np.zeros((1, 1, 2, 3)), np.zeros((1, 1, 2, 3)),
                                       np.zeros((1, 1, 3, 3))), "V has shape"),
    (lambda: kernels.attention_forward(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 3))),
     "Q must be 4-D"),
    (lambda: kernels.attention_forward(np.full((1, 1, 2, 3), np.nan), np.zeros((1, 1, 2, 3)),
                                       np.zeros((1, 1, 2, 3))), "Q contains NaN"),
    (lambda: kernels.attention_forward(*[np.zeros((1, 1, 2, 3))] * 3, key_mask=np.ones((1, 2))),
     "key_mask must be a bool"),
    (lambda: kernels.attention_forward(*[np.zeros((1, 1, 2, 3))] * 3,
                                       key_mask=np.ones((1, 3), bool)), "key_mask has shape"),
    (lambda: kernels.attention_forward(*[np.zeros((1, 1, 2, 3))] * 3, causal=1), "causal must"),
    (lambda: kernels.attention_forward(*[np.zeros((1, 1, 2, 3))] * 3, scale=0.0), "scale must"),
    (lambda: kernels.attention_backward(*[np.zeros((1, 1, 2, 3))] * 3, np.zeros((1, 1, 2, 3)),
                                        np.zeros((1, 1, 2, 3))), "A has shape"),
    (lambda: kernels.attention_backward(*[np.zeros((1, 1, 2, 3))] * 3, np.zeros((1, 1, 2, 2)),
                                        np.zeros((1, 1, 2, 2))), "dO has shape"),
    (lambda: kernels.split_heads(np.zeros((1, 2, 10)), 3), "not a multiple of H"),
    (lambda: kernels.split_heads(np.zeros((1, 2, 9)), 0), "H must be"),
    (lambda: kernels.merge_heads(np.zeros((2, 3))), "Y must be 4-D"),
    (lambda: kernels.layer_norm_forward(np.zeros((2, 3)), np.ones(4), np.zeros(4)),
     "gamma has 4 entries"),
    (lambda: kernels.layer_norm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(2)),
     "beta has 2 entries"),
    (lambda: kernels.layer_norm_forward(np.zeros((2, 3)), np.ones(3), np.zeros(3), eps=0),
     "eps must be"),
    (lambda: kernels.layer_norm_backward(np.zeros((2, 3)), np.ones(3), np.zeros((3, 3))),
     "dY has shape"),
    (lambda: kernels.gelu("x"), "Z must be a numeric"),
    (lambda: kernels.gelu_backward(np.zeros(3), np.zeros(4)), "dY has shape"),
    (lambda: kernels.positional_encoding(0, 4), "T must be"),
    (lambda: kernels.positional_encoding(4, 2.5), "d must be an integer"),
    (lambda: kernels.positional_encoding(4, 4, base=1.0), "base must be"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


FINGERPRINT = """
import hashlib
import numpy as np
from lessons import kernels
rng = np.random.default_rng(0)
digest = hashlib.sha256()
for dtype in (np.float32, np.float64):
    Q, K, V = (rng.normal(size=(2, 4, 64, 16)).astype(dtype) for _ in range(3))
    O, A = kernels.attention_forward(Q, K, V, causal=True)
    dQ, dK, dV = kernels.attention_backward(Q, K, V, A, O)
    X = rng.normal(size=(64, 48)).astype(dtype)
    g = rng.normal(size=48).astype(dtype)
    outs = [O, A, dQ, dK, dV, kernels.layer_norm_forward(X, g, g),
            *kernels.layer_norm_backward(X, g, X), kernels.gelu(X), kernels.gelu_backward(X, X),
            kernels.positional_encoding(64, 48)]
    for a in outs:
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
