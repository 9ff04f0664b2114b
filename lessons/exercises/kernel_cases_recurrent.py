"""check_kernel's cases for the recurrent kernel of chapter 10: rnn_backward, BPTT (see
lessons.exercises.kernel_cases)."""
import numpy as np

from lessons import reference as R
from lessons.exercises.kernel_cases import (
    Case, Mistake, Spec, in_float32, numeric_gradients, seeded, small,
)


def _rnn_case(title, X, h0, U, W, b, dH):
    H = R.rnn_forward(X, h0, U, W, b)
    return Case(title, (X, h0, U, W, H, dH))


def _rnn_cases():
    rng = seeded(21)
    # Ekman's w_r^n: one unit, recurrent weight 0.9, a pulse at t = 0, the loss reads the
    # last of 4 steps only; the error reaching h0 is 0.9^4 times the tanh factors
    pulse = np.zeros((4, 1, 1))
    pulse[0] = 1.0
    last = np.zeros((4, 1, 1))
    last[-1] = 1.0
    one = np.ones((1, 1))

    def random(title, T, B, m, n, seed):
        r = seeded(seed)
        return _rnn_case(title, r.normal(size=(T, B, m)), r.normal(size=(B, n)) * 0.5,
                         r.normal(size=(m, n)), r.normal(size=(n, n)) * 0.5,
                         r.normal(size=n) * 0.1, r.normal(size=(T, B, n)))

    cases = [
        _rnn_case("Ekman's w_r = 0.9: one unit, a pulse at t = 0, the loss on the last of 4 "
                  "steps", pulse, np.zeros((1, 1)), one, 0.9 * one, np.zeros(1), last),
        _rnn_case("T = 1: a single step, nothing to carry back", small(rng, 1, 2, 3) / 3,
                  small(rng, 2, 2) / 3, small(rng, 3, 2) / 3, small(rng, 2, 2) / 3,
                  np.zeros(2), small(rng, 1, 2, 2)),
        _rnn_case("small numbers: T = 3, a batch of 2, 2 inputs, 3 units",
                  small(rng, 3, 2, 2) / 3, np.zeros((2, 3)), small(rng, 2, 3) / 3,
                  small(rng, 3, 3) / 4, small(rng, 3) / 4, small(rng, 3, 2, 3)),
        random("a loss on every step: T = 6, B = 3, 2 inputs, 4 units", 6, 3, 2, 4, 22),
        random("random shapes: T = 9, B = 1, 5 inputs, 2 units", 9, 1, 5, 2, 23),
    ]
    return cases + [in_float32(cases[3]), _rnn_gradient_case()]


def _rnn_gradient_case():
    rng = seeded(24)
    X, h0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4)) * 0.5
    U, W, b = rng.normal(size=(3, 4)) * 0.5, rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4)
    G = rng.normal(size=(5, 2, 4))
    expected = numeric_gradients(lambda X, h0, U, W, b: np.sum(R.rnn_forward(X, h0, U, W, b) * G),
                                 (X, h0, U, W, b), (0, 1, 2, 3, 4))
    return Case("gradient check: finite differences of sum(rnn_forward(X, h0, U, W, b) * dH)",
                (X, h0, U, W, R.rnn_forward(X, h0, U, W, b), G), expected, gradient=True)


def _without_carry(X, h0, U, W, H, dH):
    """BPTT that forgets what step t + 1 sends back: each step sees only its own dH[t]."""
    dU, dW = np.zeros_like(U), np.zeros_like(W)
    for t in range(len(X)):
        h_prev = H[t - 1] if t > 0 else h0
        dZ = dH[t] * (1 - H[t] ** 2)
        dU += X[t].T @ dZ
        dW += h_prev.T @ dZ
    return dU, dW


RNN_BACKWARD = Spec(
    "rnn_backward", ("X", "h0", "U", "W", "H", "dH"), ("dX", "dh0", "dU", "dW", "db"),
    R.rnn_backward, _rnn_cases,
    hints=(
        "Go backward in time: for t = T-1 .. 0 the error at h_t is dH[t] plus what step t + 1 "
        "sent back (zero at the last step).",
        "Through tanh: dZ = (dH[t] + dh_next) * (1 - H[t]**2). Then dU += X[t].T @ dZ, "
        "dW += h_prev.T @ dZ (h_prev = H[t-1], or h0 at t = 0), db += dZ.sum(axis=0).",
        "The errors for the inputs and the previous state: dX[t] = dZ @ U.T and dh_next = "
        "dZ @ W.T; after the loop dh_next is dh0. Return (dX, dh0, dU, dW, db), made with "
        "the inputs' dtype (np.zeros_like(U), np.zeros(n, dtype=W.dtype)).",
    ),
    mistakes=(
        Mistake("dW", lambda *a: _without_carry(*a)[1],
                "each step used its own dH[t] only: the error from later steps must be "
                "carried back (dh_next = dZ @ W.T, added to dH[t - 1])."),
        Mistake("dU", lambda *a: _without_carry(*a)[0],
                "each step used its own dH[t] only: the error from later steps must be "
                "carried back (dh_next = dZ @ W.T, added to dH[t - 1])."),
    ),
)
