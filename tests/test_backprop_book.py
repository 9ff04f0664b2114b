"""Ekman, chapter 3, reproduced with the dense, activation and loss kernels.

1. The two-neuron worked example (section 3.3 of the digest): neuron g = tanh of two inputs,
   neuron f = logistic of g, loss (y - f)^2 / 2, one gradient-descent step with lr = 0.1.
2. The XOR run (Snippets 3-1 to 3-4): two tanh hidden neurons, one logistic output, legacy
   np.random.seed(3) initial weights and per-pass shuffles; converges after 161 passes.
"""
import numpy as np
import pytest

from lessons.gradcheck import check_gradient, numerical_gradient
from lessons.kernels import (
    dense_backward, dense_forward, half_sse, sgd_step, sigmoid, sigmoid_backward, tanh,
    tanh_backward,
)

LR = 0.1
X_BOOK = np.array([[-0.9, 0.1]])  # x1, x2
Y_BOOK = np.array([[1.0]])
# Book order: w_xg0, w_xg1, w_xg2, w_gf0, w_gf1 (index 0 is the bias weight of each neuron)
W_BOOK = (0.3, 0.6, -0.1, -0.2, 0.5)


def unpack(w):
    """The five book weights as dense-layer parameters (W_g[2, 1], b_g[1], W_f[1, 1], b_f[1])."""
    w = np.asarray(w, dtype=float)
    return w[1:3].reshape(2, 1).copy(), w[0:1].copy(), w[4:5].reshape(1, 1).copy(), w[3:4].copy()


def forward(params, X=X_BOOK):
    W_g, b_g, W_f, b_f = params
    g = tanh(dense_forward(X, W_g, b_g))
    f = sigmoid(dense_forward(g, W_f, b_f))
    return g, f


def backward(params, g, f, y=Y_BOOK, X=X_BOOK):
    """Error terms and gradients, in the book's order: err_f first, then err_g."""
    W_g, _, W_f, _ = params
    loss, dF = half_sse(f, y)
    err_f = sigmoid_backward(f, dF)
    dG, dW_f, db_f = dense_backward(g, W_f, err_f)
    err_g = tanh_backward(g, dG)
    _, dW_g, db_g = dense_backward(X, W_g, err_g)
    return loss, err_f, err_g, (dW_g, db_g, dW_f, db_f)


def flat_gradient(w):
    params = unpack(w)
    dW_g, db_g, dW_f, db_f = backward(params, *forward(params))[3]
    return np.concatenate([db_g, dW_g.ravel(), db_f, dW_f.ravel()])


def loss_of(w):
    params = unpack(w)
    return half_sse(forward(params)[1], Y_BOOK)[0]


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
    for p, dp in zip(params, grads):
        sgd_step(p, dp, LR)
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

XOR_X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
XOR_T = np.array([0.0, 1.0, 1.0, 0.0])


def book_xor_init(rs):
    """Per neuron n0, n1, n2: bias 0, then two rs.uniform(-1, 1) draws.

    rs = np.random.RandomState(3) draws the same stream as the book's np.random.seed(3)
    without touching NumPy's global generator."""
    n = [[0.0, rs.uniform(-1, 1), rs.uniform(-1, 1)] for _ in range(3)]
    W1 = np.array([[n[0][1], n[1][1]], [n[0][2], n[1][2]]])  # column j feeds hidden neuron j
    return [W1, np.array([n[0][0], n[1][0]]), np.array([[n[2][1]], [n[2][2]]]), np.array([n[2][0]])]


def xor_outputs(W1, b1, W2, b2):
    return sigmoid(dense_forward(tanh(dense_forward(XOR_X, W1, b1)), W2, b2)).ravel()


def train_xor(params, rs, max_passes=1000):
    """The book's loop: shuffle the index list with the legacy RNG, one update per example,
    then stop once all four outputs are on the correct side of 0.5. Returns (passes, orders)."""
    W1, b1, W2, b2 = params
    index_list, orders = [0, 1, 2, 3], []
    for passes in range(1, max_passes + 1):
        rs.shuffle(index_list)
        orders.append(list(index_list))
        for i in index_list:
            x, t = XOR_X[i:i + 1], XOR_T[i:i + 1, None]
            h = tanh(dense_forward(x, W1, b1))
            y = sigmoid(dense_forward(h, W2, b2))
            dZ2 = sigmoid_backward(y, half_sse(y, t)[1])
            dH, dW2, db2 = dense_backward(h, W2, dZ2)
            _, dW1, db1 = dense_backward(x, W1, tanh_backward(h, dH))
            for p, dp in zip(params, (dW1, db1, dW2, db2)):
                sgd_step(p, dp, LR)
        if np.all((xor_outputs(*params) >= 0.5) == (XOR_T >= 0.5)):
            return passes, orders
    return max_passes, orders


def test_xor_run_reproduces_the_book():
    rs = np.random.RandomState(3)
    params = book_xor_init(rs)
    W1, b1, W2, b2 = params
    assert [*W1[:, 0], *W1[:, 1], *W2[:, 0]] == pytest.approx(
        [0.101596, 0.416296, -0.418191, 0.021655, 0.785894, 0.792586], abs=1e-6)
    passes, orders = train_xor(params, rs)
    assert orders[:3] == [[2, 0, 3, 1], [1, 2, 3, 0], [3, 2, 0, 1]]
    assert passes == 161
    assert xor_outputs(*params) == pytest.approx([0.4255, 0.6291, 0.6258, 0.4990], abs=5e-5)
    neurons = [[b1[0], *W1[:, 0]], [b1[1], *W1[:, 1]], [b2[0], *W2[:, 0]]]
    assert np.round(neurons, 2).tolist() == [[0.70, 0.77, 0.76], [0.40, -0.58, -0.56],
                                             [-0.43, 1.01, 0.89]]
