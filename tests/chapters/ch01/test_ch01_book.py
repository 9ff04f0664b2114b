"""Chapter 01, The Perceptron: the numbers printed in Ekman's chapters 1 and 2."""
import numpy as np
import pytest

from lessons.data import gate
from lessons.data.toy import with_bias
from lessons.kernels import perceptron_epoch, perceptron_predict, perceptron_train
from lessons.chapters.ch01_perceptron import (BOOK_NAND_LR, BOOK_NAND_SEED, BOOK_NAND_W0, book_gate,
                                book_orders, shuffled_orders, train)

W_NAND = np.array([0.9, -0.6, -0.5])
W_OR = np.array([0.2, 0.6, 0.6])
W_AND = np.array([-0.9, 0.6, 0.6])  # read off Fig. 1-9; the text does not print it


def book_trace():
    """The book's updates, computed the way the rule computes them: w += y * lr * x."""
    X, y = book_gate("NAND")
    w = np.array(BOOK_NAND_W0)
    rows = [w.copy()]
    for i in (2, 2, 3, 2):  # the examples of x_train the book's run updates on, in order
        w = w + y[i] * BOOK_NAND_LR * X[i]
        rows.append(w)
    return np.array(rows)


def test_table_1_1_z_values_and_outputs():
    X, y = gate("NAND")
    assert np.allclose(X @ W_NAND, [2.0, 0.8, 1.0, -0.2], rtol=0, atol=1e-12)
    assert np.array_equal(perceptron_predict(W_NAND, X), [1.0, 1.0, 1.0, -1.0])
    assert np.array_equal(perceptron_predict(W_NAND, X), y)


def test_nand_gate_survives_any_single_weight_moved_by_0_1():
    X, y = gate("NAND")
    for j in range(3):
        for delta in (-0.1, 0.1):
            w = W_NAND.copy()
            w[j] += delta
            assert np.array_equal(perceptron_predict(w, X), y)


def test_book_orders_are_cpython_seed_7_shuffles():
    assert book_orders().tolist() == [[3, 1, 0, 2], [1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1]]
    assert BOOK_NAND_SEED == 7


def test_nand_trace_exact():
    X, y = book_gate("NAND")
    run = train(X, y, BOOK_NAND_W0, BOOK_NAND_LR, orders=book_orders())
    expected = book_trace()
    assert np.array_equal(run.history, expected)
    book_printed = [[0.2, -0.6, 0.25], [0.3, -0.5, 0.15], [0.4, -0.4, 0.05],
                    [0.3, -0.5, -0.05], [0.4, -0.4, -0.15]]
    assert np.allclose(run.history, book_printed, rtol=0, atol=1e-12)
    assert (run.n_updates, run.epochs, run.converged) == (4, 4, True)


def test_nand_trace_pass_by_pass_with_perceptron_epoch():
    X, y = book_gate("NAND")
    w = np.array(BOOK_NAND_W0)
    updates = [perceptron_epoch(w, X, y, order, BOOK_NAND_LR) for order in book_orders()]
    assert updates == [1, 2, 1, 0]  # the 4th pass is clean
    assert np.array_equal(w, book_trace()[-1])


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42])
def test_xor_never_converges(seed):
    X, y = gate("XOR")
    w = np.array(BOOK_NAND_W0)
    n_epochs, converged, history = perceptron_train(w, X, y, shuffled_orders(4, 1000, seed),
                                                    BOOK_NAND_LR)
    assert not converged and n_epochs == 1000
    assert len(history) > 1000  # at least one update in every pass
    assert np.sum(perceptron_predict(w, X) != y) >= 1


def test_xor_book_setup_wrong_after_6_and_30_updates():
    X, y = book_gate("XOR")
    run = train(X, y, BOOK_NAND_W0, BOOK_NAND_LR, orders=book_orders(4, 100))
    for k in (6, 30):
        assert np.sum(perceptron_predict(run.history[k], X) != y) >= 1


def test_book_gate_is_x_train():
    """Snippet 1-2's x_train: (1, -1, -1), (1, -1, 1), (1, 1, -1), (1, 1, 1); Table 1-1 swaps the
    middle rows."""
    X, y = book_gate("NAND")
    assert X.tolist() == [[1, -1, -1], [1, -1, 1], [1, 1, -1], [1, 1, 1]]
    assert y.tolist() == [1, 1, 1, -1]
    assert gate("NAND")[0][:, 1:].tolist() == [[-1, -1], [1, -1], [-1, 1], [1, 1]]


def test_wx_matrix_product():
    W = np.vstack([W_NAND, W_OR])
    X = np.array([[1, 1, 1, 1], [-1, -1, 1, 1], [-1, 1, -1, 1]], dtype=float)
    assert np.allclose(W @ X, [[2, 1, 0.8, -0.2], [-1, 0.2, 0.2, 1.4]], rtol=0, atol=1e-12)


def test_two_layer_xor_table_1_3():
    X, y = gate("XOR")
    y0 = perceptron_predict(W_NAND, X)
    y1 = perceptron_predict(W_OR, X)
    y2 = perceptron_predict(W_AND, with_bias(np.column_stack([y0, y1])))
    assert y0.tolist() == [1, 1, 1, -1]
    assert y1.tolist() == [-1, 1, 1, 1]
    assert y2.tolist() == [-1, 1, 1, -1]
    assert np.array_equal(y2, y)


@pytest.mark.parametrize("x, target, delta", [
    ((1.0, 0.0, 0.0), 1.0, (0.1, 0.0, 0.0)),
    ((1.0, 0.0, 1.5), -1.0, (-0.1, 0.0, -0.15)),
    ((1.0, -1.5, 0.0), 1.0, (0.1, -0.15, 0.0)),
])
def test_table_2_1_deltas(x, target, delta):
    x = np.array(x)
    start = -target * 0.01 * x  # weights whose output is wrong for this example
    w = start.copy()
    n = perceptron_epoch(w, x[None], np.array([target]), np.array([0]), 0.1)
    assert n == 1
    assert np.allclose(w - start, delta, rtol=0, atol=1e-12)


def test_sign_convention_zero_gives_plus_one():
    w = np.array([0.0, 0.5, -0.5])
    x = np.array([[1.0, 1.0, 1.0]])
    assert (x @ w)[0] == 0.0
    assert np.sign(x @ w)[0] == 0.0  # the book's np.sign erratum
    assert perceptron_predict(w, x)[0] == 1.0
