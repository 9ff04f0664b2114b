"""check_kernel's cases for the kernels of chapters 01-04: perceptron_epoch, dense_backward,
sigmoid_backward and softmax_cross_entropy (see lessons.exercises.kernel_cases)."""
import numpy as np

from lessons import reference as R
from lessons.chapters.ch01_perceptron import BOOK_NAND_LR, BOOK_NAND_W0, book_gate, book_orders
from lessons.chapters.ch03_backprop import BOOK_WEIGHTS, BOOK_Y, forward, unpack
from lessons.exercises.kernel_cases import (
    Case, Mistake, Spec, in_float32, numeric_gradients, seeded, small,
)


# --- perceptron_epoch (Chapter 01) -----------------------------------------------------------

def _perceptron_cases():
    X, y = book_gate("NAND")
    rng = seeded(1)
    Xr = np.hstack([np.ones((9, 1)), rng.normal(size=(9, 2))])
    yr = np.where(rng.normal(size=9) >= 0, 1.0, -1.0)
    cases = [
        Case("the book's NAND run, first pass (w0 = (0.2, -0.6, 0.25), lr 0.1)",
             (np.array(BOOK_NAND_W0), X, y, book_orders()[0], BOOK_NAND_LR)),
        Case("w starts at zero, so z = 0 on the first example (the output there is +1)",
             (np.zeros(3), X, y, np.array([0, 1, 2, 3]), 0.5)),
        Case("one example, already right: no update", (np.array([1.0, 0.0, 0.0]), X[:1], y[:1],
                                                       np.array([0]), 0.1)),
        Case("an order that visits example 3 twice", (np.array([0.1, 0.2, 0.3]), X, y,
                                                      np.array([3, 3, 1]), 1.0)),
        Case("9 random points, 4 features with the bias", (rng.normal(size=3), Xr, yr,
                                                           rng.permutation(9), 0.3)),
    ]
    return cases + [in_float32(cases[0])]


def _perceptron_np_sign(w, X, y, order, lr):
    """(n_updates, w) of the rule with np.sign, whose 0 at z = 0 is never a right output."""
    w, n_updates = w.copy(), 0
    for i in order:
        if np.sign(X[i] @ w) != y[i]:
            w += y[i] * lr * X[i]
            n_updates += 1
    return n_updates, w


_NP_SIGN = ("at z = 0 the output must be +1 (z >= 0); np.sign(0) is 0, which is never right, "
            "so you updated there.")


PERCEPTRON = Spec(
    "perceptron_epoch", ("w", "X", "y", "order", "lr"), ("n_updates", "w"),
    R.perceptron_epoch, _perceptron_cases, returns=1, inplace=(0,), integers=("n_updates",),
    observe=lambda out, args: (out[0], args[0]),
    hints=(
        "For each i in order: the output is +1 if w . X[i] >= 0, else -1; when it differs from "
        "y[i], move w by y[i] * lr * X[i] and count one update.",
        "Update w in place (w += ..., or w[j] += ... in a loop): the caller keeps its own w, "
        "so w = w + ... makes a new array nobody sees. Return the number of updates.",
        "z >= 0 gives +1: at z = 0 exactly, np.sign would give 0 (the book's erratum).",
    ),
    mistakes=(
        Mistake("w", lambda w, *_: w.copy(),
                "w did not change: update it in place (w += ...; w = w + ... makes a new "
                "array that the caller never sees)."),
        Mistake("w", lambda *args: _perceptron_np_sign(*args)[1], _NP_SIGN),
        Mistake("n_updates", lambda *args: _perceptron_np_sign(*args)[0], _NP_SIGN),
        Mistake("n_updates", lambda w, X, y, order, lr: len(order),
                "you counted every example visited; count only the ones that changed w."),
    ),
)


# --- dense_backward and sigmoid_backward (Chapter 03) ----------------------------------------

def _book_network():
    """The book's 2-2-1 network on x = (-0.9, 0.1): (g, W_f, err_f) of its output neuron and
    (f, f - y) for its sigmoid."""
    params = unpack(BOOK_WEIGHTS)
    g, f = forward(params)
    dF = f - np.asarray(BOOK_Y)
    return g, params[2], f, dF


def _dense_gradient_case():
    rng = seeded(3)
    X, W, b, G = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2), \
        rng.normal(size=(3, 2))
    expected = numeric_gradients(lambda X, W, b: np.sum(R.dense_forward(X, W, b) * G), (X, W, b),
                        (0, 1, 2))
    return Case("gradient check: finite differences of sum(dense_forward(X, W, b) * dZ)",
                (X, W, G), expected, gradient=True)


def _dense_cases():
    g, W_f, f, dF = _book_network()
    err_f = R.sigmoid_backward(f, dF)
    rng = seeded(2)
    cases = [
        Case("the book's output neuron: its inputs g, weights W_f and error term err_f",
             (g, W_f, err_f)),
        Case("batch 1, 2 inputs, 3 neurons", (small(rng, 1, 2), small(rng, 2, 3),
                                               small(rng, 1, 3))),
        Case("batch 4 (the batch adds up in dW and db)", (small(rng, 4, 2), small(rng, 2, 3),
                                                           small(rng, 4, 3))),
        Case("one input, one neuron", (small(rng, 3, 1), small(rng, 1, 1), small(rng, 3, 1))),
        Case("random: batch 5, 7 inputs, 4 neurons", (rng.normal(size=(5, 7)),
                                                      rng.normal(size=(7, 4)),
                                                      rng.normal(size=(5, 4)))),
    ]
    return cases + [in_float32(cases[2]), _dense_gradient_case()]


DENSE = Spec(
    "dense_backward", ("X", "W", "dZ"), ("dX", "dW", "db"), R.dense_backward, _dense_cases,
    hints=(
        "Three products: dX = dZ W^T (each input collects the errors of the neurons it feeds), "
        "dW = X^T dZ, and db = dZ summed over the batch (axis 0).",
        "Check the shapes: X is [B, n_in], W [n_in, n_out], dZ [B, n_out]; dX must be "
        "[B, n_in], dW [n_in, n_out], db [n_out].",
        "Sum over the batch, do not average: a loss that averages already put 1/B into dZ.",
    ),
    mistakes=(
        Mistake("db", lambda X, W, dZ: dZ.mean(axis=0),
                "db is averaged over the batch; sum it (the loss already divided by B)."),
        Mistake("dW", lambda X, W, dZ: X.T @ dZ / len(X),
                "dW is averaged over the batch; sum it (the loss already divided by B)."),
        Mistake("db", lambda X, W, dZ: dZ[0],
                "db holds the first example's errors only: add up every row of dZ."),
    ),
)


def _sigmoid_cases():
    _, _, f, dF = _book_network()
    rng = seeded(4)
    y4 = 1 / (1 + np.exp(-rng.normal(size=(2, 3, 4, 4))))
    cases = [
        Case("the book's output neuron: f = S(z_f) and the loss gradient f - y", (f, dF)),
        Case("Y = 0.5 (z = 0), where S' is largest: 1/4", (np.array([0.5]), np.array([1.0]))),
        Case("a batch of 3 x 2 outputs", (np.array([[0.1, 0.5], [0.9, 0.25], [0.7, 0.3]]),
                                          small(rng, 3, 2))),
        Case("a CNN's feature maps [2, 3, 4, 4]: any shape works elementwise",
             (y4, rng.normal(size=y4.shape))),
    ]
    return cases + [in_float32(cases[2]), _sigmoid_gradient_case()]


def _sigmoid_gradient_case():
    rng = seeded(5)
    Z, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    expected = numeric_gradients(lambda Z: np.sum(R.sigmoid(Z) * G), (Z,), (0,))
    return Case("gradient check: finite differences of sum(sigmoid(Z) * dY)",
                (R.sigmoid(Z), G), expected, gradient=True)


SIGMOID = Spec(
    "sigmoid_backward", ("Y", "dY"), ("dZ",), R.sigmoid_backward, _sigmoid_cases,
    hints=(
        "The chain rule: dZ = dY * S'(z), and S'(z) = y (1 - y) read from the output Y.",
        "Elementwise on any shape: dY * Y * (1 - Y) in NumPy, or one loop over Y.reshape(-1).",
        "Y already is sigmoid(Z): do not apply the sigmoid again.",
    ),
    mistakes=(
        Mistake("dZ", lambda Y, dY: Y * (1 - Y),
                "you returned S'(z) alone: multiply it by the upstream gradient dY."),
        Mistake("dZ", lambda Y, dY: dY * R.sigmoid(Y) * (1 - R.sigmoid(Y)),
                "you applied the sigmoid to Y again: Y is already the output sigmoid(Z)."),
    ),
)


# --- softmax_cross_entropy (Chapter 04) ------------------------------------------------------

def _softmax_cases():
    rng = seeded(6)
    labels = np.array([2, 0, 1, 1])
    cases = [
        Case("ten equal logits: a network that knows nothing, loss ln 10 = 2.3026",
             (np.zeros((1, 10)), np.array([3]))),
        Case("batch 4, 3 classes", (small(rng, 4, 3), labels)),
        Case("one class only: the loss is 0", (np.array([[1.5], [-2.0]]), np.array([0, 0]))),
        Case("huge logits (1000): e^1000 overflows unless you subtract the row maximum",
             (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([0, 2]))),
        Case("random: batch 6, 5 classes", (rng.normal(size=(6, 5)) * 3, rng.integers(0, 5, 6))),
    ]
    return cases + [in_float32(cases[1]), _softmax_gradient_case()]


def _softmax_gradient_case():
    rng = seeded(7)
    Z, labels = rng.normal(size=(3, 4)), np.array([1, 3, 0])
    expected = (R.softmax_cross_entropy(Z, labels)[0],) + numeric_gradients(
        lambda Z: R.softmax_cross_entropy(Z, labels)[0], (Z,), (0,))
    return Case("gradient check: dZ against finite differences of the loss", (Z, labels),
                expected, gradient=True)


def _softmax_minus_onehot_missing(Z, labels):
    return R.softmax(Z) / len(Z)


SOFTMAX = Spec(
    "softmax_cross_entropy", ("Z", "labels"), ("loss", "dZ"), R.softmax_cross_entropy,
    _softmax_cases, integers=(),
    hints=(
        "Row by row: p = softmax(z), the loss is -log p[label]; return the mean over the "
        "batch, and dZ = (p - onehot(label)) / B.",
        "Subtract each row's maximum before exp: softmax does not change, and nothing "
        "overflows. The loss is then log(sum e^(z - m)) - (z[label] - m).",
        "Divide by B in both: the loss is a mean, so each row's gradient carries 1/B.",
    ),
    mistakes=(
        Mistake("dZ", lambda Z, labels: R.softmax_cross_entropy(Z, labels)[1] * len(Z),
                "dZ is B times too large: the loss is the batch's mean, so divide dZ by B."),
        Mistake("loss", lambda Z, labels: R.softmax_cross_entropy(Z, labels)[0] * len(Z),
                "the loss is summed over the batch: return the mean."),
        Mistake("dZ", _softmax_minus_onehot_missing,
                "dZ is softmax(Z) / B: subtract 1 / B at each row's label (p - onehot)."),
    ),
)
