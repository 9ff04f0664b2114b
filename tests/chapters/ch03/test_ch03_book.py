"""Ekman, chapter 3, reproduced with the dense, activation and loss kernels.

1. The two-neuron worked example (section 3.3 of the digest): neuron g = tanh of two inputs,
   neuron f = logistic of g, loss (y - f)^2 / 2, one gradient-descent step with lr = 0.1.
2. The XOR run (Snippets 3-1 to 3-4): two tanh hidden neurons, one logistic output, legacy
   np.random.seed(3) initial weights and per-pass shuffles; converges after 161 passes.
"""
import numpy as np
import pytest

from lessons.chapters.ch03_backprop import (
    BOOK_LR as LR, BOOK_WEIGHTS as W_BOOK, BOOK_X as X_BOOK, BOOK_Y as Y_BOOK, XOR_T,
    backward, book_xor_init, flat_gradient, forward, loss_of, neurons, train_xor, unpack,
    update, xor_outputs,
)
from lessons.gradcheck import check_gradient, numerical_gradient


def test_forward_pass_values():
    g, f = forward(unpack(W_BOOK))
    assert g.item() == pytest.approx(-0.2449187, abs=1e-6)
    assert f.item() == pytest.approx(0.4200765, abs=1e-6)
    assert loss_of(W_BOOK) == pytest.approx(0.1681556, abs=1e-6)


def test_backward_pass_error_terms():
    params = unpack(W_BOOK)
    _, err_f, err_g, _ = backward(params, *forward(params))
    assert err_f.item() == pytest.approx(-0.1412765, abs=1e-6)
    assert err_g.item() == pytest.approx(-0.0664010, abs=1e-6)


def test_one_step_gives_the_books_new_weights():
    params = unpack(W_BOOK)
    grads = backward(params, *forward(params))[3]
    update(params, grads, LR)
    W_g, b_g, W_f, b_f = params
    new = [b_g.item(), *W_g.ravel(), b_f.item(), W_f.item()]
    assert new == pytest.approx([0.3066401, 0.5940239, -0.0993360, -0.1858724, 0.4965399], abs=1e-6)


def test_gradient_matches_equation_3_1_and_finite_differences():
    w_xg0, w_xg1, w_xg2, w_gf0, w_gf1 = W_BOOK
    (x1, x2), y = X_BOOK[0], Y_BOOK.item()
    g = np.tanh(w_xg0 + w_xg1 * x1 + w_xg2 * x2)
    f = 1 / (1 + np.exp(-(w_gf0 + w_gf1 * g)))
    err_f = -(y - f) * f * (1 - f)
    err_g = err_f * w_gf1 * (1 - g * g)
    equation_3_1 = [err_g, err_g * x1, err_g * x2, err_f, err_f * g]
    analytic = flat_gradient(W_BOOK)
    assert analytic == pytest.approx(equation_3_1, abs=1e-15)
    assert np.max(np.abs(analytic - numerical_gradient(loss_of, W_BOOK))) < 1e-7
    assert check_gradient(loss_of, flat_gradient, W_BOOK) < 1e-7


# --- the XOR run --------------------------------------------------------------------------

def test_xor_run_reproduces_the_book():
    W1, b1, W2, b2 = book_xor_init(3)
    assert [*W1[:, 0], *W1[:, 1], *W2[:, 0]] == pytest.approx(
        [0.101596, 0.416296, -0.418191, 0.021655, 0.785894, 0.792586], abs=1e-6)
    assert not b1.any() and not b2.any()  # the book starts every bias weight at 0
    run = train_xor(3)
    passes, orders, params = run.passes, run.orders, run.net
    assert orders[:3] == [[2, 0, 3, 1], [1, 2, 3, 0], [3, 2, 0, 1]]
    assert passes == 161
    assert xor_outputs(params) == pytest.approx([0.4255, 0.6291, 0.6258, 0.4990], abs=5e-5)
    assert np.round(neurons(params), 2).tolist() == [[0.70, 0.77, 0.76], [0.40, -0.58, -0.56],
                                                     [-0.43, 1.01, 0.89]]
    assert run.converged and np.array_equal(run.outputs, xor_outputs(params))
    # the book's stopping rule: pass 161 is the first with every output on its side of 0.5
    sides = (run.history.outputs >= 0.5) == (XOR_T >= 0.5)
    assert sides.all(axis=1).tolist() == [False] * 161 + [True]
