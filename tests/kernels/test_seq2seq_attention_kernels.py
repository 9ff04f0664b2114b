"""Chapter 13: the decoder's attention over the encoder's states (Luong's dot score, Bahdanau's
additive score) against the NumPy twins, finite differences, bad input, and the same bits on
another instruction set."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.gradcheck import numerical_gradient, relative_error


def _inputs(seed, Tq=4, Ts=5, B=3, n=6, a=7, dtype=np.float64):
    rng = np.random.default_rng(seed)
    Q, S = rng.normal(size=(Tq, B, n)), rng.normal(size=(Ts, B, n))
    Wq, Ws, v = rng.normal(size=(n, a)) * 0.5, rng.normal(size=(n, a)) * 0.5, rng.normal(size=a)
    dC = rng.normal(size=(Tq, B, n))
    return [x.astype(dtype) for x in (Q, S, Wq, Ws, v, dC)]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dot_attention_matches_twin(seed, dtype):
    Q, S, _, _, _, dC = _inputs(seed, Tq=1 + seed, Ts=2 + 3 * seed, dtype=dtype)
    A, C = kernels.dot_attention_forward(Q, S)
    rA, rC = reference.dot_attention_forward(Q, S)
    tol = 1e-12 if dtype == np.float64 else 1e-4
    assert A.dtype == C.dtype == dtype
    np.testing.assert_allclose(A.sum(axis=-1), 1.0, atol=tol)
    np.testing.assert_allclose(A, rA, atol=tol)
    np.testing.assert_allclose(C, rC, atol=tol)
    for got, want in zip(kernels.dot_attention_backward(Q, S, A, dC),
                         reference.dot_attention_backward(Q, S, A, dC)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, atol=tol * 10)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_additive_attention_matches_twin(seed, dtype):
    Q, S, Wq, Ws, v, dC = _inputs(seed, Tq=2 + seed, Ts=1 + 2 * seed, a=3 + seed, dtype=dtype)
    A, C = kernels.additive_attention_forward(Q, S, Wq, Ws, v)
    rA, rC = reference.additive_attention_forward(Q, S, Wq, Ws, v)
    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(A, rA, atol=tol)
    np.testing.assert_allclose(C, rC, atol=tol)
    for got, want in zip(kernels.additive_attention_backward(Q, S, Wq, Ws, v, A, dC),
                         reference.additive_attention_backward(Q, S, Wq, Ws, v, A, dC)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, atol=tol * 10)


def test_one_dominant_score_copies_its_state():
    S = np.zeros((3, 1, 2))
    S[1, 0] = [10.0, 0.0]
    S[0, 0], S[2, 0] = [0.0, 1.0], [0.0, -1.0]
    A, C = kernels.dot_attention_forward(np.array([[[5.0, 0.0]]]), S)
    assert A[0, 0].argmax() == 1 and A[0, 0, 1] == 1.0
    np.testing.assert_allclose(C[0, 0], S[1, 0])


def test_dot_attention_finite_differences():
    Q, S, _, _, _, G = _inputs(7)
    A, _ = kernels.dot_attention_forward(Q, S)
    dQ, dS = kernels.dot_attention_backward(Q, S, A, G)
    loss_q = lambda q: float(np.sum(G * kernels.dot_attention_forward(q, S)[1]))
    loss_s = lambda s: float(np.sum(G * kernels.dot_attention_forward(Q, s)[1]))
    assert relative_error(dQ, numerical_gradient(loss_q, Q)) < 1e-7
    assert relative_error(dS, numerical_gradient(loss_s, S)) < 1e-7


def test_additive_attention_finite_differences():
    args = _inputs(8)
    G = args.pop()
    A, _ = kernels.additive_attention_forward(*args)
    grads = kernels.additive_attention_backward(*args, A, G)
    for k, grad in enumerate(grads):
        def loss(x, k=k):
            return float(np.sum(G * kernels.additive_attention_forward(
                *args[:k], x, *args[k + 1:])[1]))
        assert relative_error(grad, numerical_gradient(loss, args[k])) < 1e-7, k


Q0, S0, W0, V0 = np.zeros((2, 1, 3)), np.zeros((4, 1, 3)), np.zeros((3, 2)), np.zeros(2)
A0 = np.full((2, 1, 4), 0.25)


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.dot_attention_forward(np.zeros((2, 3)), S0), "Q must be 3-D"),
    (lambda: kernels.dot_attention_forward(Q0, np.zeros((4, 2, 3))), "S has shape"),
    (lambda: kernels.dot_attention_forward(Q0, np.zeros((4, 1, 2))), "same batch B and width n"),
    (lambda: kernels.dot_attention_forward(Q0, np.full((4, 1, 3), np.nan)), "S contains NaN"),
    (lambda: kernels.dot_attention_forward(np.zeros((0, 1, 3)), S0), "Q is empty"),
    (lambda: kernels.dot_attention_backward(Q0, S0, A0[:, :, :3], Q0), "A has shape"),
    (lambda: kernels.dot_attention_backward(Q0, S0, A0, Q0[:1]), "dC has shape"),
    (lambda: kernels.additive_attention_forward(Q0, S0, W0, W0[:2], V0), "Ws has shape"),
    (lambda: kernels.additive_attention_forward(Q0, S0, W0, W0, np.zeros(3)), "Wq has shape"),
    (lambda: kernels.additive_attention_forward(Q0, S0, W0, W0, np.zeros((2, 1))), "v must be 1-D"),
    (lambda: kernels.additive_attention_backward(Q0, S0, W0, W0, V0, A0, Q0[:, :, :2]),
     "dC has shape"),
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
    Q, S = rng.normal(size=(17, 8, 33)).astype(dtype), rng.normal(size=(16, 8, 33)).astype(dtype)
    Wq, Ws, v = (rng.normal(size=s).astype(dtype) for s in ((33, 19), (33, 19), (19,)))
    dC = rng.normal(size=Q.shape).astype(dtype)
    A, C = kernels.dot_attention_forward(Q, S)
    outs = [A, C, *kernels.dot_attention_backward(Q, S, A, dC)]
    A, C = kernels.additive_attention_forward(Q, S, Wq, Ws, v)
    outs += [A, C, *kernels.additive_attention_backward(Q, S, Wq, Ws, v, A, dC)]
    for a in outs:
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
