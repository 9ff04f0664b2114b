"""Chapter 11: the embedding lookup and its scatter-add backward against their NumPy twins, the
one-hot product they shortcut, finite differences, bad input, and the same bits on another
instruction set."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.chapters.ch11_text import one_hot
from lessons.gradcheck import check_gradient


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_matches_twin_and_the_one_hot_product(seed, dtype):
    rng = np.random.default_rng(seed)
    V, d, T, B = 7, 5, 6, 4
    E = rng.normal(size=(V, d)).astype(dtype)
    ids = rng.integers(0, V, size=(T, B))
    Y = kernels.embedding_forward(ids, E)
    assert Y.shape == (T, B, d) and Y.dtype == dtype
    np.testing.assert_array_equal(Y, reference.embedding_forward(ids, E))
    np.testing.assert_array_equal(Y, one_hot(ids, V).astype(dtype) @ E)  # the lookup is exact
    dY = rng.normal(size=Y.shape).astype(dtype)
    dE = kernels.embedding_backward(ids, dY, V)
    assert dE.shape == (V, d) and dE.dtype == dtype
    # np.add.at adds in the same order (position by position): the same bits
    np.testing.assert_array_equal(dE, reference.embedding_backward(ids, dY, V))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(dE, np.einsum("tbv,tbd->vd", one_hot(ids, V), dY), atol=tol)


def test_repeated_and_unused_symbols():
    E = np.arange(6.0).reshape(3, 2)
    ids = np.array([2, 2, 0, 2])
    np.testing.assert_array_equal(kernels.embedding_forward(ids, E), E[[2, 2, 0, 2]])
    dE = kernels.embedding_backward(ids, np.ones((4, 2)), 3)
    np.testing.assert_array_equal(dE, [[1, 1], [0, 0], [3, 3]])  # row 1 unused: zero


def test_embedding_backward_finite_differences():
    rng = np.random.default_rng(5)
    E, ids = rng.normal(size=(4, 3)), rng.integers(0, 4, size=(5, 2))
    G = rng.normal(size=(5, 2, 3))
    assert check_gradient(lambda e: float(np.sum(G * kernels.embedding_forward(ids, e))),
                          lambda e: kernels.embedding_backward(ids, G, 4), E) < 1e-7


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.embedding_forward(np.array([0, 3]), np.zeros((3, 2))), "ids must index"),
    (lambda: kernels.embedding_forward(np.array([-1]), np.zeros((3, 2))), "ids must index"),
    (lambda: kernels.embedding_forward(np.array([0.0, 1.0]), np.zeros((3, 2))),
     "ids must hold integer"),
    (lambda: kernels.embedding_forward(np.array([], dtype=int), np.zeros((3, 2))), "ids is empty"),
    (lambda: kernels.embedding_forward(np.array([0]), np.zeros(3)), "E must be 2-D"),
    (lambda: kernels.embedding_forward(np.array([0]), np.full((3, 2), np.nan)), "E contains NaN"),
    (lambda: kernels.embedding_backward(np.array([0, 1]), np.zeros((3, 2)), 2), "dY has shape"),
    (lambda: kernels.embedding_backward(np.array([0, 1]), np.zeros((2, 2)), 0), "V must be"),
    (lambda: kernels.embedding_backward(np.array([0, 2]), np.zeros((2, 2)), 2), "ids must index"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


FINGERPRINT = """
import hashlib
import numpy as np
from lessons.kernels import embedding_backward, embedding_forward
rng = np.random.default_rng(0)
digest = hashlib.sha256()
for dtype in (np.float32, np.float64):
    ids = rng.integers(0, 5, size=(300, 8))          # every symbol repeated hundreds of times
    dY = rng.normal(size=(300, 8, 17)).astype(dtype) * 10.0 ** rng.integers(-4, 4, size=(300, 8, 1))
    E = rng.normal(size=(5, 17)).astype(dtype)
    for a in (embedding_forward(ids, E), embedding_backward(ids, dY, 5)):
        digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_scatter_add_gives_the_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
