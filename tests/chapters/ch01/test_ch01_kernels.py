"""Chapter 01, The Perceptron: kernels against their NumPy twins, and bad input.

Inputs are multiples of 1/4 and lr a power of two, so every sum and update is exact in
float32 and float64 alike: the kernel and the twin must then agree bit for bit, even on
inputs that land exactly on z = 0 (where a rounding difference would flip the sign).
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lessons import reference
from lessons.data import blobs, gate
from lessons.kernels import perceptron_epoch, perceptron_predict, perceptron_train
from lessons.chapters.ch01_perceptron import book_orders, shuffled_orders, train

DTYPES = (np.float64, np.float32)
LRS = (0.125, 0.25, 0.5, 1.0)


@st.composite
def problems(draw):
    """(w[d], X[n, d] with bias column, y[n] in +-1, orders[E, n], lr, dtype)."""
    dtype = draw(st.sampled_from(DTYPES))
    n = draw(st.integers(1, 12))
    d = draw(st.integers(1, 5))
    quarters = st.integers(-8, 8).map(lambda k: k / 4)
    X = draw(hnp.arrays(np.float64, (n, d), elements=quarters))
    X[:, 0] = 1.0
    w = draw(hnp.arrays(np.float64, d, elements=quarters))
    y = np.where(draw(hnp.arrays(np.bool_, n)), 1.0, -1.0)
    epochs = draw(st.integers(1, 6))
    orders = shuffled_orders(n, epochs, draw(st.integers(0, 2**16)))
    lr = draw(st.sampled_from(LRS))
    return w.astype(dtype), X.astype(dtype), y.astype(dtype), orders, lr, dtype


@settings(max_examples=150, deadline=None)
@given(problems())
def test_predict_matches_twin(problem):
    w, X, _, _, _, dtype = problem
    got = perceptron_predict(w, X)
    assert got.dtype == dtype
    assert np.array_equal(got, reference.perceptron_predict(w, X))


@settings(max_examples=150, deadline=None)
@given(problems())
def test_epoch_matches_twin(problem):
    w, X, y, orders, lr, dtype = problem
    w_kernel, w_twin = w.copy(), w.copy()
    n_kernel = perceptron_epoch(w_kernel, X, y, orders[0], lr)
    n_twin = reference.perceptron_epoch(w_twin, X, y, orders[0], lr)
    assert n_kernel == n_twin
    assert w_kernel.dtype == dtype
    assert np.array_equal(w_kernel, w_twin)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_train_matches_twin(problem):
    w, X, y, orders, lr, _ = problem
    w_kernel, w_twin = w.copy(), w.copy()
    epochs_k, converged_k, history_k = perceptron_train(w_kernel, X, y, orders, lr)
    epochs_t, converged_t, history_t = reference.perceptron_train(w_twin, X, y, orders, lr)
    assert (epochs_k, converged_k) == (epochs_t, converged_t)
    assert np.array_equal(history_k, history_t)
    assert np.array_equal(w_kernel, w_twin)
    assert np.array_equal(history_k[-1], w_kernel)


def test_train_history_is_capped_by_max_history():
    X, y = gate("XOR")
    w = np.zeros(3)
    _, converged, history = perceptron_train(w, X, y, shuffled_orders(4, 50, 0), 0.1,
                                             max_history=5)
    assert not converged and history.shape == (6, 3)


def test_epoch_refuses_an_empty_order():
    # issue 8: an empty order used to return 0 updates, which reads as "converged"
    X, y = gate("NAND")
    w = np.zeros(3)
    with pytest.raises(ValueError, match=r"perceptron_epoch: order is empty"):
        perceptron_epoch(w, X, y, [], 0.1)
    assert np.array_equal(w, np.zeros(3))


def test_train_refuses_orders_that_visit_no_row():
    # issue 8: orders of shape (E, 0) reported "converged" after visiting nothing
    X, y = gate("NAND")
    with pytest.raises(ValueError, match=r"perceptron_train: orders is empty"):
        perceptron_train(np.zeros(3), X, y, np.zeros((3, 0), dtype=np.int64), 0.1)
    with pytest.raises(ValueError, match=r"train: orders is empty"):
        train(X, y, np.zeros(3), 0.1, orders=np.zeros((3, 0), dtype=np.int64))


# --- bad input: every message names the function's argument ----------------------------------

def nand():
    X, y = gate("NAND")
    return np.zeros(3), X, y


@pytest.mark.parametrize("w, X, match", [
    (np.zeros((3, 1)), gate("NAND")[0], "w"),
    (np.zeros(2), gate("NAND")[0], "X"),
    (np.zeros(3), np.zeros(3), "X"),
    (np.zeros(3), np.zeros((0, 3)), "X"),
    (np.zeros(0), np.zeros((4, 0)), "w"),
    (np.array([0.0, np.nan, 0.0]), gate("NAND")[0], "w"),
    (np.zeros(3), np.array([[1.0, np.inf, 0.0]]), "X"),
])
def test_predict_rejects_bad_shapes_and_values(w, X, match):
    with pytest.raises(ValueError, match=match):
        perceptron_predict(w, X)


@pytest.mark.parametrize("w, X, match", [
    ("abc", gate("NAND")[0], "w"),
    (np.zeros(3), np.full((4, 3), "a"), "X"),
    (np.zeros(3), None, "X"),
    (np.zeros(3, dtype=complex), gate("NAND")[0], "w"),
])
def test_predict_rejects_bad_types(w, X, match):
    with pytest.raises(TypeError, match=match):
        perceptron_predict(w, X)


def test_predict_accepts_int_and_non_contiguous_input_with_the_same_result():
    X, _ = gate("NAND")
    w = np.array([0.9, -0.6, -0.5])
    wide = np.zeros((4, 6))
    wide[:, ::2] = X
    assert not wide[:, ::2].flags.c_contiguous
    assert np.array_equal(perceptron_predict(w, wide[:, ::2]), perceptron_predict(w, X))
    assert np.array_equal(perceptron_predict(np.array([1, -1, -1]), X.astype(int)),
                          perceptron_predict(np.array([1.0, -1.0, -1.0]), X))


@pytest.mark.parametrize("func", ["epoch", "train"])
def test_inplace_w_must_be_a_contiguous_float_array(func):
    _, X, y = nand()
    call = ((lambda w: perceptron_epoch(w, X, y, [0, 1, 2, 3], 0.1)) if func == "epoch"
            else (lambda w: perceptron_train(w, X, y, [[0, 1, 2, 3]], 0.1)))
    with pytest.raises(TypeError, match="w"):
        call(np.zeros(3, dtype=int))  # would silently truncate the updates
    with pytest.raises(TypeError, match="w"):
        call([0.0, 0.0, 0.0])  # a list cannot be updated in place
    with pytest.raises(ValueError, match="w"):
        call(np.zeros(6)[::2])  # non-contiguous: a copy would lose the update
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="w"):
        call(read_only)
    with pytest.raises(ValueError, match="w"):
        call(np.array([0.0, np.inf, 0.0]))
    with pytest.raises(ValueError, match="w"):
        call(np.zeros(0))
    with pytest.raises(ValueError, match="w"):
        call(np.zeros((1, 3)))


def test_epoch_accepts_non_contiguous_X_with_the_same_result():
    w1, X, y = nand()
    w2 = w1.copy()
    wide = np.zeros((4, 6))
    wide[:, ::2] = X
    order = np.array([3, 1, 0, 2])
    assert (perceptron_epoch(w1, wide[:, ::2], y, order, 0.1)
            == perceptron_epoch(w2, X, y, order, 0.1))
    assert np.array_equal(w1, w2)


@pytest.mark.parametrize("order, error, match", [
    ([0, 4], ValueError, "order"),
    ([-1, 0], ValueError, "order"),
    ([0.0, 1.0], TypeError, "order"),
    ([[0, 1]], ValueError, "order"),
])
def test_epoch_rejects_bad_order(order, error, match):
    w, X, y = nand()
    with pytest.raises(error, match=match):
        perceptron_epoch(w, X, y, order, 0.1)
    assert np.array_equal(w, np.zeros(3))  # nothing ran


@pytest.mark.parametrize("y, match", [
    ([1.0, 0.0, 1.0, -1.0], "y"),
    ([1.0, 2.0, 1.0, -1.0], "y"),
    ([1.0, 1.0, -1.0], "y"),
    ([1.0, np.nan, 1.0, -1.0], "y"),
])
def test_epoch_rejects_labels_not_pm1(y, match):
    w, X, _ = nand()
    with pytest.raises(ValueError, match=match):
        perceptron_epoch(w, X, np.array(y), [0, 1, 2, 3], 0.1)


@pytest.mark.parametrize("lr, error", [
    (0.0, ValueError), (-0.1, ValueError), (np.nan, ValueError), (np.inf, ValueError),
    ("0.1", TypeError), (None, TypeError),
])
def test_epoch_and_train_reject_bad_lr(lr, error):
    w, X, y = nand()
    with pytest.raises(error, match="lr"):
        perceptron_epoch(w, X, y, [0, 1, 2, 3], lr)
    with pytest.raises(error, match="lr"):
        perceptron_train(w, X, y, [[0, 1, 2, 3]], lr)
    with pytest.raises(error, match="lr"):
        train(X, y, w, lr)


def test_train_kernel_rejects_bad_orders_and_history():
    w, X, y = nand()
    with pytest.raises(ValueError, match="orders"):
        perceptron_train(w, X, y, [0, 1, 2, 3], 0.1)  # 1-D: one row per epoch is needed
    with pytest.raises(ValueError, match="orders"):
        perceptron_train(w, X, y, [[0, 1, 2, 9]], 0.1)
    with pytest.raises(ValueError, match="max_history"):
        perceptron_train(w, X, y, [[0, 1, 2, 3]], 0.1, max_history=0)
    with pytest.raises(ValueError, match="y"):
        perceptron_train(w, X, np.array([1.0, 1.0, 1.0, 0.5]), [[0, 1, 2, 3]], 0.1)


def test_train_rejects_bad_input_and_never_touches_w0():
    _, X, y = nand()
    w0 = np.array([0.2, -0.6, 0.25])
    train(X, y, w0, 0.1)
    assert np.array_equal(w0, [0.2, -0.6, 0.25])
    with pytest.raises(ValueError, match="w0 has 2 weights but X has 3 columns"):
        train(X, y, [0.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="w0"):
        train(X, y, [[0.0, 0.0, 0.0]], 0.1)
    with pytest.raises(ValueError, match="w0"):
        train(X, y, [0.0, np.nan, 0.0], 0.1)
    with pytest.raises(TypeError, match="w0"):
        train(X, y, "zeros", 0.1)
    with pytest.raises(ValueError, match="X"):
        train(X[:, :2], y, [0.0, 0.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="y"):
        train(X, -2 * y, [0.0, 0.0, 0.0], 0.1)
    with pytest.raises(ValueError, match="train: max_epochs must be >= 1"):
        train(X, y, [0.0, 0.0, 0.0], 0.1, max_epochs=0)
    with pytest.raises(ValueError, match="orders"):
        train(X, y, [0.0, 0.0, 0.0], 0.1, orders=[[0, 1, 2, 4]])


def test_gate_rejects_unknown_names():
    for name in ("XNOR", "", None, 3):
        with pytest.raises(ValueError, match="name"):
            gate(name)
    assert np.array_equal(gate("nand")[1], gate("NAND")[1])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=1), ValueError, "n"),
    (dict(n=2.5), TypeError, "n"),
    (dict(n="40"), TypeError, "n"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=0.5), TypeError, "seed"),
])
def test_blobs_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        blobs(**kwargs)


def test_blobs_are_seeded_and_labelled():
    for separable in (True, False):
        X, y = blobs(40, separable=separable, seed=3)
        X2, y2 = blobs(40, separable=separable, seed=3)
        assert np.array_equal(X, X2) and np.array_equal(y, y2)
        assert X.shape == (40, 3) and np.all(X[:, 0] == 1) and set(y) == {-1.0, 1.0}
    X, y = blobs(40, separable=True, seed=3)
    assert train(X, y, [0.0, 0.0, 0.0], 0.1, max_epochs=200).converged


@pytest.mark.parametrize("args, error, match", [
    ((0, 3), ValueError, "n"),
    ((4, 0), ValueError, "epochs"),
    ((4, 3, -1), ValueError, "seed"),
    ((4, 3, 1.5), TypeError, "seed"),
    ((4.0, 3), TypeError, "n"),
    ((4, "3"), TypeError, "epochs"),
])
def test_shuffled_orders_rejects_bad_arguments(args, error, match):
    with pytest.raises(error, match=match):
        shuffled_orders(*args)


def test_shuffled_orders_are_seeded_permutations():
    orders = shuffled_orders(6, 5, seed=11)
    assert orders.shape == (5, 6) and orders.dtype == np.int64
    assert all(sorted(row) == list(range(6)) for row in orders)
    assert np.array_equal(orders, shuffled_orders(6, 5, seed=11))
    assert not np.array_equal(orders, shuffled_orders(6, 5, seed=12))


def test_train_draws_its_orders_one_epoch_at_a_time():
    # issue 8: train(max_epochs=10**9) hung while it built every order up front; a run that
    # converges in a few passes must return at once, with the orders shuffled_orders gives
    import signal

    def too_slow(signum, frame):
        raise TimeoutError("train(max_epochs=10**9) did not return within 20 s")

    X, y = gate("NAND")
    old = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(20)
    try:
        run = train(X, y, (0.2, -0.6, 0.25), 0.1, max_epochs=10**9, seed=3)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    same = train(X, y, (0.2, -0.6, 0.25), 0.1, orders=shuffled_orders(4, run.epochs, 3))
    assert run.converged and np.array_equal(run.history, same.history)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=-1), ValueError, "book_orders: n must be >= 1"),
    (dict(epochs=0), ValueError, "book_orders: epochs must be >= 1"),
    (dict(seed="x"), TypeError, "book_orders: seed must be an integer"),
    (dict(seed=1.5), TypeError, "book_orders: seed must be an integer"),
])
def test_book_orders_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        book_orders(**kwargs)


def test_book_orders_accepts_a_numpy_integer_seed():
    assert np.array_equal(book_orders(seed=np.int64(7)), book_orders(seed=7))
