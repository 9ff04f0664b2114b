"""Chapter 12: skip-gram with negative sampling and cosine top-k against their NumPy twins,
finite differences of the SGNS loss, bad input, and the same bits on another instruction set."""
import numpy as np
import pytest

from lessons import kernels, reference
from lessons.gradcheck import check_gradient


def problem(seed, V=9, d=4, P=12, k=3):
    rng = np.random.default_rng(seed)
    W_in, W_out = rng.normal(scale=0.5, size=(2, V, d))
    centers, contexts = rng.integers(0, V, size=(2, P))
    negatives = rng.integers(0, V, size=(P, k))
    return W_in, W_out, centers, contexts, negatives


@pytest.mark.parametrize("seed", range(3))
def test_loss_grad_matches_twin(seed):
    W_in, W_out, *pairs = problem(seed)
    loss, dW_in, dW_out = kernels.sgns_loss_grad(W_in, W_out, *pairs)
    twin = reference.sgns_loss_grad(W_in, W_out, *pairs)
    np.testing.assert_allclose(loss, twin[0], rtol=1e-12)
    np.testing.assert_allclose(dW_in, twin[1], atol=1e-12)
    np.testing.assert_allclose(dW_out, twin[2], atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_loss_grad_finite_differences(seed):
    W_in, W_out, *pairs = problem(seed)
    _, dW_in, dW_out = kernels.sgns_loss_grad(W_in, W_out, *pairs)
    assert check_gradient(lambda w: kernels.sgns_loss_grad(w, W_out, *pairs)[0],
                          lambda w: dW_in, W_in) < 1e-7
    assert check_gradient(lambda w: kernels.sgns_loss_grad(W_in, w, *pairs)[0],
                          lambda w: dW_out, W_out) < 1e-7


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_epoch_matches_twin(seed, dtype):
    W_in, W_out, *pairs = problem(seed)
    W_in, W_out = W_in.astype(dtype), W_out.astype(dtype)
    ours, twin = (W_in.copy(), W_out.copy()), (W_in.copy(), W_out.copy())
    loss = kernels.sgns_epoch(*ours, *pairs, 0.05)
    twin_loss = reference.sgns_epoch(*twin, *pairs, 0.05)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(loss, twin_loss, rtol=tol)
    for a, b in zip(ours, twin):
        np.testing.assert_allclose(a, b, atol=tol)


def test_an_epoch_of_one_pair_is_one_gradient_step():
    # with distinct target rows (a repeated negative sees its own first update, as in word2vec)
    W_in, W_out, *_ = problem(4)
    pair = [1], [5], [[0, 3, 2]]
    loss, dW_in, dW_out = kernels.sgns_loss_grad(W_in, W_out, *pair)
    A, B = W_in.copy(), W_out.copy()
    assert kernels.sgns_epoch(A, B, *pair, 0.1) == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(A, W_in - 0.1 * dW_in, atol=1e-15)
    np.testing.assert_allclose(B, W_out - 0.1 * dW_out, atol=1e-15)


def test_epochs_lower_the_loss_of_a_fixed_set_of_pairs():
    W_in, W_out, *pairs = problem(1)
    before = kernels.sgns_loss_grad(W_in, W_out, *pairs)[0]
    for _ in range(20):
        kernels.sgns_epoch(W_in, W_out, *pairs, 0.1)
    assert kernels.sgns_loss_grad(W_in, W_out, *pairs)[0] < 0.5 * before


@pytest.mark.parametrize("seed", range(3))
def test_cosine_top_k_matches_twin(seed):
    rng = np.random.default_rng(seed)
    E, q = rng.normal(size=(30, 5)), rng.normal(size=5)
    E[3] = 0.0  # a row of zeros has similarity 0
    for exclude in ((), [0, 7, 7]):
        rows, sims = kernels.cosine_top_k(E, q, 6, exclude=exclude)
        twin_rows, twin_sims = reference.cosine_top_k(E, q, 6, exclude=exclude)
        np.testing.assert_array_equal(rows, twin_rows)
        np.testing.assert_allclose(sims, twin_sims, atol=1e-12)
        assert not set(rows) & set(exclude)


def test_cosine_top_k_ties_go_to_the_lower_row_and_the_query_itself_comes_first():
    E = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 1.0]])
    rows, sims = kernels.cosine_top_k(E, E[2], 3)
    np.testing.assert_array_equal(rows, [0, 2, 3])
    np.testing.assert_allclose(sims, [1.0, 1.0, np.sqrt(0.5)])
    np.testing.assert_array_equal(kernels.cosine_top_k(E, E[2], 1, exclude=[0, 2])[0], [3])


W, IDS, NEG = np.zeros((3, 2)), np.array([0, 1]), np.array([[2], [0]])


@pytest.mark.parametrize("call,message", [
    (lambda: kernels.sgns_epoch(W.copy(), W.copy(), [0, 3], IDS, NEG, 0.1), "centers must index"),
    (lambda: kernels.sgns_epoch(W.copy(), W.copy(), IDS, [0.0, 1.0], NEG, 0.1),
     "contexts must hold integer"),
    (lambda: kernels.sgns_epoch(W.copy(), W.copy(), IDS, IDS, np.array([2, 0]), 0.1),
     "negatives must be 2-D"),
    (lambda: kernels.sgns_epoch(W.copy(), W.copy(), IDS, IDS, NEG[:1], 0.1), "one row per pair"),
    (lambda: kernels.sgns_epoch(W.copy(), W.copy(), IDS, IDS, NEG, 0.0), "lr must be >"),
    (lambda: kernels.sgns_epoch(W.tolist(), W.copy(), IDS, IDS, NEG, 0.1), "W_in is updated"),
    (lambda: kernels.sgns_epoch(W.copy(), np.zeros((4, 2)), IDS, IDS, NEG, 0.1),
     "W_out has shape"),
    (lambda: kernels.sgns_epoch(W.copy(), W.astype(np.float32), IDS, IDS, NEG, 0.1),
     "W_out is float32"),
    (lambda: kernels.sgns_loss_grad(np.full((3, 2), np.nan), W, IDS, IDS, NEG),
     "W_in contains NaN"),
    (lambda: kernels.sgns_loss_grad(W, W, IDS, IDS, -NEG), "negatives must index"),
    (lambda: kernels.cosine_top_k(W + 1, np.ones(3), 1), "query has 3 entries"),
    (lambda: kernels.cosine_top_k(W + 1, np.zeros(2), 1), "query is the zero vector"),
    (lambda: kernels.cosine_top_k(W + 1, np.ones(2), 3, exclude=[0]), "k must be"),
    (lambda: kernels.cosine_top_k(W + 1, np.ones(2), 1, exclude=[5]), "exclude must index"),
    (lambda: kernels.cosine_top_k(np.ones(3), np.ones(3), 1), "E must be 2-D"),
])
def test_bad_input_names_the_argument(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


FINGERPRINT = """
import hashlib
import numpy as np
from lessons.kernels import cosine_top_k, sgns_epoch, sgns_loss_grad
rng = np.random.default_rng(0)
digest = hashlib.sha256()
V, d, P = 50, 17, 4000
W_in, W_out = rng.normal(scale=0.3, size=(2, V, d))
centers, contexts = rng.integers(0, V, size=(2, P))
negatives = rng.integers(0, V, size=(P, 5))
for a in sgns_loss_grad(W_in, W_out, centers, contexts, negatives)[1:]:
    digest.update(a.tobytes())
for epoch in range(3):
    digest.update(np.float64(sgns_epoch(W_in, W_out, centers, contexts, negatives, 0.05)).tobytes())
digest.update(W_in.tobytes() + W_out.tobytes())
for a in cosine_top_k(W_in, W_in[3] - W_in[4] + W_in[5], 10, exclude=[3, 4, 5]):
    digest.update(a.tobytes())
print(digest.hexdigest())
"""


def test_sgns_gives_the_same_bits_on_another_instruction_set(fingerprints):
    here, other = fingerprints(FINGERPRINT)
    assert here == other
