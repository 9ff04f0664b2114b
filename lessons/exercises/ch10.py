"""Chapter 10, RNNs: exercises with offline feedback.

    check_rnn_parameters(fn)        your `fn(n, m)`: the parameters of a recurrent layer
    check_vanishing_factor(x)       what 50 steps of w_r = 0.9 leave of an error (Ekman's w_r^n)
    check_rnn_backward(fn)          write BPTT yourself: your `fn(X, h0, U, W, H, dH)` against
                                    the course's kernel on random sequences

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch10`.
"""
import numpy as np

from lessons.exercises import Exercise, is_whole, shown
from lessons.kernels import rnn_backward, rnn_forward

PARAMS = Exercise("recurrent layer parameters", [
    "Each of the n units has one weight per input (m), one per recurrent input (the n "
    "outputs of the layer at the previous step) and a bias.",
    "Per unit: m + n + 1 weights. Ekman's SimpleRNN(128) on 1 input: 128 · (1 + 128 + 1).",
    "return n * (n + m + 1)",
], "ch10")

VANISH = Exercise("the vanishing factor", [
    "Along a path back through time the error is multiplied by the same recurrent weight "
    "at every step (Ekman: w_r^n).",
    "50 steps back: 0.9 multiplied by itself 50 times.",
    "0.9 ** 50, about 0.005: half a percent of the error is left.",
], "ch10")

BPTT = Exercise("BPTT by hand", [
    "Go backward in time: for t = T-1 .. 0 the error at h_t is dH[t] plus what step t + 1 "
    "sent back (zero at the last step).",
    "Through tanh: dZ = (dH[t] + dh_next) * (1 - H[t]**2). Then dU += X[t].T @ dZ, "
    "dW += h_prev.T @ dZ (h_prev = H[t-1], or h0 at t = 0), db += dZ.sum(axis=0).",
    "The errors for the inputs and the previous state: dX[t] = dZ @ U.T and dh_next = "
    "dZ @ W.T; after the loop dh_next is dh0. Return (dX, dh0, dU, dW, db).",
], "ch10")


@PARAMS.check
def check_rnn_parameters(fn):
    """fn(n, m) must give the parameters of a recurrent layer of n units on m inputs."""
    if fn is ... or not callable(fn):
        return PARAMS.feedback(False, "Pass your function: check_rnn_parameters(fn).")
    for n, m in ((128, 1), (4, 3), (1, 1), (64, 10)):
        got = PARAMS.call(fn, n, m)
        want = n * (n + m + 1)
        if not is_whole(got) or got != want:
            detail = f"n = {n}, m = {m}: you return {shown(got)}"
            if is_whole(got) and got == n * (n + m):
                detail += ", without the biases"
            elif is_whole(got) and got == n * (m + 1):
                detail += ", without the recurrent weights"
            return PARAMS.feedback(False, detail + ".")
    return PARAMS.feedback(True, "n (n + m + 1): 16,640 for Ekman's SimpleRNN(128) on one "
                                 "input, plus 129 for the Dense(1) head = 16,769.")


@VANISH.check
def check_vanishing_factor(x):
    """x: what is left of an error after 50 steps back through a recurrent weight of 0.9."""
    value = VANISH.number(x, "a number")
    if abs(value - 0.9 ** 50) <= 1e-4:
        return VANISH.feedback(True, f"0.9^50 = {0.9 ** 50:.5f}; and 1.1^50 = "
                                     f"{1.1 ** 50:.0f}: the other way it explodes.")
    if abs(value - 0.9 * 50) < 1e-6:
        return VANISH.feedback(False, "You multiplied 0.9 by 50; the factor repeats.")
    return VANISH.feedback(False, f"{shown(x)} is not it.")


@BPTT.check
def check_rnn_backward(fn):
    """fn(X, h0, U, W, H, dH) -> (dX, dh0, dU, dW, db) must match the kernel rnn_backward."""
    if fn is ... or not callable(fn):
        return BPTT.feedback(False, "Pass your function: check_rnn_backward(fn).")
    names = ("dX", "dh0", "dU", "dW", "db")
    for seed, (T, B, m, n) in enumerate(((1, 1, 1, 2), (4, 2, 3, 5), (7, 3, 2, 4))):
        rng = np.random.default_rng(seed)
        X, h0 = rng.normal(size=(T, B, m)), rng.normal(size=(B, n)) * 0.5
        U, W, b = rng.normal(size=(m, n)), rng.normal(size=(n, n)) * 0.5, rng.normal(size=n)
        H = rnn_forward(X, h0, U, W, b)
        dH = rng.normal(size=H.shape)
        want = rnn_backward(X, h0, U, W, H, dH)
        got = BPTT.items(BPTT.call(fn, X.copy(), h0.copy(), U.copy(), W.copy(), H.copy(),
                                   dH.copy()), 5, "five arrays (dX, dh0, dU, dW, db)")
        for name, g, w in zip(names, got, want):
            g = BPTT.array(g, f"{name} as an array")
            if g.shape != w.shape:
                BPTT.stop(f"T={T}, B={B}, m={m}, n={n}: {name} has shape {g.shape}, "
                          f"expected {w.shape}.")
            if not np.allclose(g, w, rtol=1e-7, atol=1e-9):
                where = ("only the last step is right: the error from later steps must be "
                         "carried back (dh_next)" if T > 1 and name != "db" and np.allclose(
                            g[-1] if name == "dX" else g, w[-1] if name == "dX" else w)
                         else f"largest difference {np.max(np.abs(g - w)):.3g}")
                return BPTT.feedback(False, f"T={T}, B={B}, m={m}, n={n}: {name} differs "
                                            f"from the kernel's ({where}).")
    return BPTT.feedback(True, "your BPTT matches rnn_backward on three random sequences.")
