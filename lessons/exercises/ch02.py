"""Chapter 02, Gradient-Based Learning: exercises with offline feedback.

    check_largest_stable_lr(lr)      the largest learning rate that does not diverge on a bowl
    check_mse_gradient(g)            a gradient by hand: squared error of a linear model
    check_updates_per_epoch(n)       how many weight updates one epoch of minibatches makes
    check_momentum_step(step)        your own `step(p, v, g, lr, m) -> (p, v)`: momentum, fixed

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch02`.
"""
import math

import numpy as np

from lessons.chapters.ch02_descent import descend, surface
from lessons.exercises import Exercise, numbers_in, shown
from lessons.gradcheck import numerical_gradient

BOWL = "ill-conditioned bowl"  # f = 0.5 x² + 10 y²
GRAD_X, GRAD_Y, GRAD_W = np.array([1.0, 2.0]), 1.0, np.array([0.5, -1.0])
N_EXAMPLES, BATCH = 200, 32

STABLE = Exercise("largest stable learning rate", [
    "Each coordinate moves on its own: for a x², one step maps x to x - lr * 2a x = (1 - 2a lr) x.",
    "The walk shrinks while |1 - 2a lr| < 1, i.e. 0 < lr < 1/a. Which coordinate has the larger a?",
    "y has a = 10, so y alone sets the limit: lr < 1/10. At exactly that rate y bounces forever.",
], "ch02")

GRADIENT = Exercise("gradient by hand", [
    "Write r = w . x - y (the residual); then L = r², and dL/dw_j = 2 r dr/dw_j.",
    "dr/dw_j = x_j, so the gradient is 2 r x. Compute r first with w = (0.5, -1), x = (1, 2).",
    "r = 0.5 * 1 + (-1) * 2 - 1 = -2.5; now multiply 2 r by each x_j.",
], "ch02")

UPDATES = Exercise("updates per epoch", [
    "One update per minibatch. How many minibatches cover 200 examples, 32 at a time?",
    "200 / 32 = 6.25: six full minibatches, and the 8 examples left over still make one more.",
    "The kernel's loop `for start in range(0, n, batch_size)` runs ceil(n / batch_size) times.",
], "ch02")

MOMENTUM = Exercise("momentum, fixed", [
    "Two things differ from the printed rule: the velocity collects *downhill* steps (-lr * g, "
    "not +lr * g), and p then moves by the velocity alone.",
    "Classical momentum: v_new = m * v - lr * g, then p_new = p + v_new.",
    "Return both: `return p + v_new, v_new` (with m = 0 this must be plain gradient descent).",
], "ch02")



@STABLE.check
def check_largest_stable_lr(lr):
    """Gradient descent on f = 0.5 x² + 10 y²: below which learning rate does it converge?"""
    value = STABLE.number(lr, "a learning rate")
    if value <= 0:
        return STABLE.feedback(False, "A learning rate must be positive.")
    if math.isclose(value, 0.1, rel_tol=0.01):
        return STABLE.feedback(True, "lr < 1/10: the steep y direction (a = 10) sets the limit; "
                                     "x alone (a = 0.5) would tolerate lr < 2.")
    walk = descend(BOWL, None, value, 0.0, 200)
    if walk.diverged or np.max(np.abs(walk.end)) > 1.0:
        detail = f"At lr = {value:.4g} the walk runs away (|1 - 20 lr| = {abs(1 - 20 * value):.4g} > 1)."
    else:
        detail = f"At lr = {value:.4g} the walk still converges, so the limit is higher."
    return STABLE.feedback(False, detail)


def mse_one_example(w):
    """L(w) = (w . x - y)² for the exercise's example x = (1, 2), y = 1."""
    return (float(np.dot(w, GRAD_X)) - GRAD_Y) ** 2


@GRADIENT.check
def check_mse_gradient(g):
    """The gradient of L(w) = (w . x - y)² at w = (0.5, -1) for x = (1, 2), y = 1."""
    got = GRADIENT.array(g, "two finite numbers", shape=(2,),
                         placeholder="your gradient (dL/dw0, dL/dw1)")
    want = numerical_gradient(mse_one_example, GRAD_W)  # the finite-difference referee
    if np.allclose(got, want, rtol=0, atol=1e-4):
        return GRADIENT.feedback(True, f"{np.round(want, 4).tolist()}, and the finite-difference "
                                       "estimate agrees.")
    if np.allclose(got, want / 2, atol=1e-4):
        return GRADIENT.feedback(False, "Half the right size: the square brings down a factor 2.")
    if np.allclose(got, -want, atol=1e-4):
        return GRADIENT.feedback(False, "Right size, wrong sign: check the sign of the residual.")
    return GRADIENT.feedback(False, f"{np.round(got, 4).tolist()} is not it.")


@UPDATES.check
def check_updates_per_epoch(n):
    """One epoch over 200 examples in minibatches of 32: how many weight updates?"""
    n = UPDATES.whole(n, "a whole number of updates")
    expected = math.ceil(N_EXAMPLES / BATCH)
    if n == expected:
        return UPDATES.feedback(True, f"{expected} updates: six minibatches of 32 and one of 8.")
    if n == N_EXAMPLES // BATCH:
        return UPDATES.feedback(False, f"{n} misses the last, smaller minibatch.")
    return UPDATES.feedback(False, f"{shown(n)} is not it.")


def reference_momentum_step(p, v, g, lr, m):
    """Classical momentum, the rule to compare against: (p + v_new, v_new)."""
    v_new = m * v - lr * g
    return p + v_new, v_new


def _book_step(p, v, g, lr, m):
    v_new = m * v + lr * g
    return p + m * v_new - lr * g, v_new


def _nesterov_step(p, v, g, lr, m):
    """The printed rule with only the velocity's sign fixed: Keras's form of Nesterov momentum."""
    v_new = m * v - lr * g
    return p + m * v_new - lr * g, v_new


def _momentum_cases():
    """(p, v, g, lr, m): one coordinate and two, momentum 0, 0.5 and 0.9."""
    return [
        (np.array([2.5]), np.array([0.0]), np.array([3.5]), 0.05, 0.9),
        (np.array([1.0, -2.0]), np.array([0.1, 0.2]), np.array([-0.3, 0.4]), 0.1, 0.5),
        (np.array([0.3, 0.7]), np.array([-0.2, 0.05]), np.array([1.5, -2.0]), 0.01, 0.0),
    ]


def _walk_with(step, start=2.5, lr=0.05, m=0.9, steps=300):
    """Run the learner's step on the tilted 1-D well; returns the end point, or None if the
    walk runs away (or the step stops returning one number for p and v)."""
    well = surface("tilted well 1-D")
    p, v = np.array([start]), np.zeros(1)
    for _ in range(steps):
        out = MOMENTUM.items(MOMENTUM.call(step, p, v, well.grad(p), lr, m), 2,
                             "two arrays (p_new, v_new)")
        (p, bad_p), (v, bad_v) = (numbers_in(a) for a in out)
        if bad_p or bad_v or p.shape != (1,) or v.shape != (1,) \
                or not np.all(np.isfinite(p)) or np.max(np.abs(p)) > 1e6:
            return None
    return float(p[0])


@MOMENTUM.check
def check_momentum_step(step):
    """Your step(p, v, g, lr, m) -> (p_new, v_new) must be classical momentum."""
    if step is ... or not callable(step):
        return MOMENTUM.feedback(False, "Pass your function: check_momentum_step(step).")
    for p, v, g, lr, m in _momentum_cases():
        want_p, want_v = reference_momentum_step(p, v, g, lr, m)
        out = MOMENTUM.items(MOMENTUM.call(step, p.copy(), v.copy(), g.copy(), lr, m), 2,
                             "two arrays (p_new, v_new)")
        got_p, got_v = (MOMENTUM.array(a, "two arrays (p_new, v_new)") for a in out)
        if got_p.shape != want_p.shape or not np.allclose(got_p, want_p, rtol=0, atol=1e-12):
            book_p, _ = _book_step(p, v, g, lr, m)
            if got_p.shape == book_p.shape and np.allclose(got_p, book_p, rtol=0, atol=1e-12):
                return MOMENTUM.feedback(False, "That is the book's printed rule: its velocity "
                                                "collects +lr * g, which points uphill.")
            keras_p, _ = _nesterov_step(p, v, g, lr, m)
            if got_p.shape == keras_p.shape and np.allclose(got_p, keras_p, rtol=0, atol=1e-12):
                return MOMENTUM.feedback(False, "The velocity's sign is fixed, and what you have "
                                                "is Nesterov momentum in Keras's form (p + m * "
                                                "v_new - lr * g), which also goes downhill. This "
                                                "exercise asks for classical momentum: p_new = "
                                                "p + v_new.")
            return MOMENTUM.feedback(
                False, f"for p = {p.tolist()}, v = {v.tolist()}, g = {g.tolist()}, lr = {lr}, "
                       f"m = {m}: got p = {shown(np.round(got_p, 4).tolist())}, "
                       f"expected {np.round(want_p, 4).tolist()}.")
        if got_v.shape != want_v.shape or not np.allclose(got_v, want_v, rtol=0, atol=1e-12):
            return MOMENTUM.feedback(False, "p is right but the returned velocity is not: "
                                            "return v_new = m * v - lr * g.")
    end = _walk_with(step)
    if end is None or abs(end + 1.7139) > 0.05:
        return MOMENTUM.feedback(False, "Right on the test cases, but on the tilted well (start "
                                        "2.5, lr 0.05, m 0.9) it does not reach w = -1.7139.")
    return MOMENTUM.feedback(True, f"and on the tilted well (start 2.5, lr 0.05, m 0.9, 300 "
                                   f"steps) it ends at w = {end:.4f}, the global minimum.")
