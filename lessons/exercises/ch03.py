"""Chapter 03, Sigmoid Neurons and Backpropagation: exercises with offline feedback.

    check_sigmoid_derivative(fn)       your `fn(y)`: the logistic derivative read from its output
    check_error_terms(err_f, err_g)    the two error terms of the book's network, new example
    check_forward_passes(n)            the cost of a finite-difference gradient for the XOR net
    check_shared_weight_gradient(fn)   your backward pass for a weight used by two neurons

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch03`.
"""

import numpy as np

from lessons.chapters.ch03_backprop import BOOK_WEIGHTS, backward, forward, unpack
from lessons.exercises import Exercise, shown
from lessons.gradcheck import numerical_gradient

ERROR_X = (0.5, -0.3)  # the new example for the error terms: x1, x2 ...
ERROR_Y = 0.0          # ... and its target
XOR_WEIGHTS = 9        # 2 hidden neurons and 1 output neuron, 3 weights each

DERIVATIVE = Exercise("sigmoid derivative from its output", [
    "S'(z) = S(z) (1 - S(z)), and the forward pass already stored y = S(z).",
    "So the derivative needs no exp at all: write it with y alone.",
    "`return y * (1 - y)`; the tanh version would be 1 - y * y.",
], "ch03")

ERRORS = Exercise("error terms", [
    "Run the forward pass first: z_g, g = tanh(z_g), z_f, f = S(z_f) for x = (0.5, -0.3).",
    "err_f = -(y - f) * f * (1 - f): the loss derivative times S' read from f.",
    "err_g = err_f * w_gf1 * (1 - g^2), with w_gf1 = 0.5: the error sent back along the "
    "weight, times tanh' read from g.",
], "ch03")

PASSES = Exercise("cost of a numerical gradient", [
    "Count the weights of the XOR network first: each of its 3 neurons has a bias and 2 inputs.",
    "The book's estimate needs the loss once as it is, then once more per nudged weight.",
    "N weights -> N + 1 forward passes; backprop needs one forward and one backward pass.",
], "ch03")

SHARED = Exercise("a weight used twice", [
    "w reaches the output along two paths, through tanh(w x1) and through tanh(w x2).",
    "The chain rule gives one term per path: (y - t) (1 - h1^2) x1 and (y - t) (1 - h2^2) x2.",
    "Start from dw = 0 and add each path's term with +=; an `=` keeps only the last one.",
], "ch03")




@DERIVATIVE.check
def check_sigmoid_derivative(fn):
    """fn(y) must return S'(z) given only y = S(z) (elementwise on arrays)."""
    if fn is ... or not callable(fn):
        return DERIVATIVE.feedback(False, "Pass your function: check_sigmoid_derivative(fn).")
    z = np.linspace(-6.0, 6.0, 25)
    y = 1.0 / (1.0 + np.exp(-z))
    got = DERIVATIVE.array(DERIVATIVE.call(fn, y.copy()), "one number per value of y")
    want = y * (1.0 - y)
    if got.shape == want.shape and np.allclose(got, want, rtol=0, atol=1e-12):
        return DERIVATIVE.feedback(True, "S' = y (1 - y): at most 0.25 (at y = 0.5), and "
                                         "read from the stored output with no exp.")
    if got.shape != want.shape:
        return DERIVATIVE.feedback(False, f"Expected one value per input ({want.shape}), "
                                          f"got shape {got.shape}.")
    if np.allclose(got, 1.0 - y * y, atol=1e-12):
        return DERIVATIVE.feedback(False, "That is tanh's derivative, 1 - y².")
    s = 1.0 / (1.0 + np.exp(-y))
    if np.allclose(got, s * (1.0 - s), atol=1e-12):
        return DERIVATIVE.feedback(False, "fn receives the output y = S(z), not z: do not "
                                          "apply the sigmoid again.")
    return DERIVATIVE.feedback(False, f"At y = 0.5 the derivative is 0.25; you give "
                                      f"{float(got[12]):.4f}.")


def book_error_terms():
    """(err_f, err_g) of the book's network for the exercise's example, by the kernels."""
    params = unpack(BOOK_WEIGHTS)
    X, y = np.array([ERROR_X]), np.array([[ERROR_Y]])
    result = backward(params, *forward(params, X), y, X)
    return result.err_f.item(), result.err_g.item()


@ERRORS.check
def check_error_terms(err_f, err_g):
    """The error terms of the book's two-neuron network (weights 0.3, 0.6, -0.1, -0.2, 0.5)
    for x1 = 0.5, x2 = -0.3 and target y = 0."""
    f_value = ERRORS.number(err_f, "a number for err_f")
    g_value = ERRORS.number(err_g, "a number for err_g")
    want_f, want_g = book_error_terms()
    close = lambda a, b: abs(a - b) < 5e-6  # noqa: E731 (7 decimals, as the chapter prints)
    if close(f_value, want_f) and close(g_value, want_g):
        return ERRORS.feedback(True, f"err_f = {want_f:.7f}, err_g = {want_g:.7f}.")
    if abs(f_value - want_f) < 1e-3 and abs(g_value - want_g) < 1e-3:
        return ERRORS.feedback(False, "Close, but rounded: pass the values as computed, or to at "
                                      "least 6 decimals (the check compares to 5e-6).")
    params = unpack(BOOK_WEIGHTS)
    g, f = (v.item() for v in forward(params, np.array([ERROR_X])))
    if close(f_value, -want_f):
        return ERRORS.feedback(False, "err_f has the wrong sign: the loss derivative is "
                                      "-(y - f) = f - y.")
    if close(f_value, f - ERROR_Y) or close(f_value, ERROR_Y - f):
        return ERRORS.feedback(False, "err_f is missing the sigmoid's derivative f (1 - f).")
    if not close(f_value, want_f):
        return ERRORS.feedback(False, f"err_f = {f_value:.7f} is off; start from f = "
                                      f"{f:.7f}.")
    if close(g_value, want_f * BOOK_WEIGHTS[4]):
        return ERRORS.feedback(False, "err_f is right; err_g is missing tanh' = 1 - g².")
    if close(g_value, want_f * (1 - g * g)):
        return ERRORS.feedback(False, "err_f is right; err_g is missing the weight w_gf1 "
                                      "the error travels back along.")
    return ERRORS.feedback(False, f"err_f is right; err_g = {g_value:.7f} is off.")


@PASSES.check
def check_forward_passes(n):
    """How many forward passes does the book's numerical method need for one gradient of the
    XOR network (2 tanh hidden neurons, 1 logistic output)?"""
    n = PASSES.whole(n, "a whole number of forward passes")
    if n == XOR_WEIGHTS + 1:
        return PASSES.feedback(True, "9 weights + 1 base pass = 10; backprop gets all 9 "
                                     "derivatives from one forward and one backward pass.")
    if n == XOR_WEIGHTS:
        return PASSES.feedback(False, "9 nudges, but the unnudged loss has to be computed "
                                      "once too.")
    if n == 2 * XOR_WEIGHTS:
        return PASSES.feedback(False, "18 is the central difference (two nudges per weight); "
                                      "the book nudges each weight once, in one direction.")
    if n in (6, 7):
        return PASSES.feedback(False, "Don't forget the bias weights: every neuron has one.")
    return PASSES.feedback(False, f"{shown(n)} is not it.")


def shared_loss(w, x1, x2, t):
    """e = (y - t)^2 / 2 with y = tanh(w x1) + tanh(w x2): one weight, two neurons."""
    return 0.5 * (np.tanh(w * x1) + np.tanh(w * x2) - t) ** 2


_SHARED_CASES = ((0.7, 1.0, -0.5, 0.3), (-0.4, 2.0, 0.5, 1.0), (1.3, -0.8, -1.2, -0.5))


@SHARED.check
def check_shared_weight_gradient(fn):
    """fn(w, x1, x2, t) must return de/dw for `shared_loss`; the referee is
    lessons.gradcheck.numerical_gradient."""
    if fn is ... or not callable(fn):
        return SHARED.feedback(False, "Pass your function: check_shared_weight_gradient(fn).")
    for w, x1, x2, t in _SHARED_CASES:
        got = SHARED.array(SHARED.call(fn, w, x1, x2, t), "one number (de/dw)")
        if got.size != 1:
            return SHARED.feedback(False, f"Expected one number (de/dw), got shape {got.shape}.")
        want = numerical_gradient(lambda v: shared_loss(v[0], x1, x2, t), np.array([w]))[0]
        if abs(float(got.ravel()[0]) - want) < 1e-6:
            continue
        r = np.tanh(w * x1) + np.tanh(w * x2) - t
        paths = [r * (1 - np.tanh(w * x) ** 2) * x for x in (x1, x2)]
        value = float(got.ravel()[0])
        if any(abs(value - p) < 1e-9 for p in paths):
            return SHARED.feedback(False, f"At w = {w} you return one path's share "
                                          f"({value:.4f}); the finite-difference gradient is "
                                          f"{want:.4f}, the sum of both paths.")
        return SHARED.feedback(False, f"At w = {w}, x1 = {x1}, x2 = {x2}, t = {t} you return "
                                      f"{value:.4f}; finite differences give {want:.4f}.")
    return SHARED.feedback(True, "both paths add up, and finite differences agree on every "
                                 "test case.")
