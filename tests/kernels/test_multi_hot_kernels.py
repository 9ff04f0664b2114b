"""Chapter 06 (Chollet 3.4-3.5): the dense layer on multi-hot words against its NumPy twin
(which builds the multi-hot matrix), finite differences, bad input, and the same bits on
another instruction set."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.gradcheck import check_gradient


def random_ids(rng, B, L, V):
    """ids[B, L]: each row a random number of distinct word ids, then -1 padding."""
    ids = np.full((B, L), -1, dtype=np.int64)
    for r in range(B):
        n = rng.integers(1, L + 1)
        ids[r, :n] = np.sort(rng.choice(V, size=n, replace=False))
    return ids


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multi_hot_matches_twin(seed, dtype):
    rng = np.random.default_rng(seed)
    V, n, B, L = 50, 7, 9, 12
    ids = random_ids(rng, B, L, V)
    W, b = rng.normal(size=(V, n)).astype(dtype), rng.normal(size=n).astype(dtype)
    Z = kernels.multi_hot_forward(ids, W, b)
    assert Z.shape == (B, n) and Z.dtype == dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(Z, reference.multi_hot_forward(ids, W, b), rtol=tol, atol=tol)
    dZ = rng.normal(size=(B, n)).astype(dtype)
    dW, db = kernels.multi_hot_backward(ids, dZ, V)
    rW, rb = reference.multi_hot_backward(ids, dZ, V)
    assert dW.shape == (V, n) and dW.dtype == dtype and db.dtype == dtype
    np.testing.assert_allclose(dW, rW, rtol=tol, atol=tol)
    np.testing.assert_allclose(db, rb, rtol=tol, atol=tol)


def test_unlisted_words_get_no_gradient_and_padding_adds_nothing():
    W, b = np.arange(8.0).reshape(4, 2), np.array([0.5, -0.5])
    ids = np.array([[0, 2], [3, -1]])
    np.testing.assert_array_equal(kernels.multi_hot_forward(ids, W, b),
                                  [[0 + 4 + 0.5, 1 + 5 - 0.5], [6 + 0.5, 7 - 0.5]])
    dW, db = kernels.multi_hot_backward(ids, np.ones((2, 2)), 4)
    np.testing.assert_array_equal(dW, [[1, 1], [0, 0], [1, 1], [1, 1]])  # word 1 unlisted
    np.testing.assert_array_equal(db, [2, 2])


def test_multi_hot_finite_differences():
    rng = np.random.default_rng(5)
    V, n = 6, 3
    ids = random_ids(rng, 4, 5, V)
    W, b, G = rng.normal(size=(V, n)), rng.normal(size=n), rng.normal(size=(4, n))
    assert check_gradient(lambda w: float(np.sum(G * kernels.multi_hot_forward(ids, w, b))),
                          lambda w: kernels.multi_hot_backward(ids, G, V)[0], W) < 1e-7
    assert check_gradient(lambda c: float(np.sum(G * kernels.multi_hot_forward(ids, W, c))),
                          lambda c: kernels.multi_hot_backward(ids, G, V)[1], b) < 1e-7


W3, B2 = np.zeros((3, 2)), np.zeros(2)


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.multi_hot_forward(np.array([[0, 3]]), W3, B2), "ids must hold word"),
    (lambda: kernels.multi_hot_forward(np.array([[0, -2]]), W3, B2), "ids must hold word"),
    (lambda: kernels.multi_hot_forward(np.array([[0.0, 1.0]]), W3, B2),
     "ids must hold integer"),
    (lambda: kernels.multi_hot_forward(None, W3, B2), "ids is None"),
    (lambda: kernels.multi_hot_forward(np.array([0, 1]), W3, B2), "non-empty 2-D"),
    (lambda: kernels.multi_hot_forward(np.zeros((0, 2), int), W3, B2), "non-empty"),
    (lambda: kernels.multi_hot_forward(np.array([[-1, 1]]), W3, B2), "padding"),
    (lambda: kernels.multi_hot_forward(np.array([[1, 1]]), W3, B2), "twice"),
    (lambda: kernels.multi_hot_forward(np.array([[1]]), np.zeros(3), np.zeros(2)), "W must be 2-D"),
    (lambda: kernels.multi_hot_forward(np.array([[1]]), np.full((3, 2), np.nan), np.zeros(2)),
     "W contains NaN"),
    (lambda: kernels.multi_hot_forward(np.array([[1]]), W3, np.zeros(3)), "b has 3 entries"),
    (lambda: kernels.multi_hot_backward(np.array([[0, 1]]), np.zeros((2, 2)), 3), "dZ has 2 rows"),
    (lambda: kernels.multi_hot_backward(np.array([[0, 1]]), np.zeros((1, 2)), 0), "V must be"),
    (lambda: kernels.multi_hot_backward(np.array([[0, 2]]), np.zeros((1, 2)), 2),
     "ids must hold word"),
    (lambda: kernels.multi_hot_backward(np.array([[0, 1]]), np.zeros(2), 2), "dZ must be 2-D"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


FINGERPRINT = """
import hashlib
import numpy as np
from lessons.kernels import multi_hot_backward, multi_hot_forward
rng = np.random.default_rng(0)
digest = hashlib.sha256()
for dtype in (np.float32, np.float64):
    ids = np.stack([np.sort(rng.choice(40, size=30, replace=False)) for _ in range(200)])
    dZ = rng.normal(size=(200, 17)).astype(dtype) * 10.0 ** rng.integers(-4, 4, size=(200, 1))
    W = (rng.normal(size=(40, 17)) * 10.0 ** rng.integers(-4, 4, size=(40, 1))).astype(dtype)
    b = rng.normal(size=17).astype(dtype)
    for a in (multi_hot_forward(ids, W, b), *multi_hot_backward(ids, dZ, 40)):
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_multi_hot_gives_the_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
