"""Chapter 01, The Perceptron: exercises with offline feedback.

    check_nor_weights(w)          weights (w0, w1, w2) of a NOR gate
    check_boundary_line(m, b)     the NAND perceptron's boundary as x2 = m x1 + b
    check_updates_at_lr_1(n)      predict the number of updates when lr grows tenfold
    check_update_rule(update)     your own `update(w, x, target, lr)`: the learning rule

Each check prints ✔ or ✘ with what is off and the next hint. Worked solutions:
`from lessons.solutions import ch01`.
"""
import numpy as np

from lessons.data import gate
from lessons.exercises import Exercise, shown
from lessons.kernels import perceptron_predict
from lessons.chapters.ch01_perceptron import book_gate, book_orders, train

_INPUTS = gate("NAND")[0]  # the four +-1 input pairs with the bias column, in Table 1-1 order
NAND_WEIGHTS = (0.9, -0.6, -0.5)  # Table 1-1
NOR_TARGETS = np.array([1.0, -1.0, -1.0, -1.0])  # +1 only when both inputs are false (-1)

NOR = Exercise("NOR weights", [
    "NOR is NOT OR: it gives +1 where OR gives -1. Look at the OR neuron (0.2, 0.6, 0.6).",
    "Negating every weight negates z, so it flips every output (mind z = 0, which gives +1).",
    "Try (-0.2, -0.6, -0.6) and check that no input lands exactly on z = 0.",
], "ch01")

LINE = Exercise("NAND boundary line", [
    "On the boundary z = 0: write w0 + w1 x1 + w2 x2 = 0 with the NAND weights.",
    "Solve for x2: x2 = -(w1 / w2) x1 - w0 / w2.",
    "With (0.9, -0.6, -0.5): slope = -(-0.6) / (-0.5), intercept = -0.9 / (-0.5).",
], "ch01")

LR = Exercise("updates at lr 1.0", [
    "Starting from w = 0, every weight vector is lr times a sum of +-x rows.",
    "sign(c * z) = sign(z) for any c > 0: scaling all weights changes no output.",
    "So each decision, hence each update, is the same as at lr 0.1.",
], "ch01")

RULE = Exercise("the update rule", [
    "Compute the output first: +1 if w . x >= 0, else -1 (not np.sign: it gives 0 at z = 0).",
    "Only a wrong output changes w, and then by target * lr * x.",
    "Return a new array: w + target * lr * x when wrong, a copy of w when right.",
], "ch01")


def _table(w, targets):
    out = perceptron_predict(w, _INPUTS)
    wrong = [f"({x1:+.0f}, {x2:+.0f}) gives {o:+.0f}, want {t:+.0f}"
             for (x1, x2), o, t in zip(_INPUTS[:, 1:], out, targets) if o != t]
    return out, wrong


@NOR.check
def check_nor_weights(w):
    """Do weights w = (w0, w1, w2) make a NOR gate (+1 only at x1 = x2 = -1)?"""
    arr = NOR.array(w, "three finite numbers (w0, w1, w2)", shape=(3,),
                    placeholder="your three weights (w0, w1, w2)")
    _, wrong = _table(arr, NOR_TARGETS)
    if wrong:
        return NOR.feedback(False, "Not NOR yet: " + "; ".join(wrong) + ".")
    return NOR.feedback(True, "all four rows of NOR are right.")


@LINE.check
def check_boundary_line(slope, intercept):
    """The NAND perceptron (0.9, -0.6, -0.5) as a line x2 = slope * x1 + intercept."""
    if slope is ... or intercept is ...:
        return LINE.feedback(False, "Replace ... with your slope and intercept.")
    slope = LINE.number(slope, "a number for the slope")
    intercept = LINE.number(intercept, "a number for the intercept")
    w0, w1, w2 = NAND_WEIGHTS
    want = (-w1 / w2, -w0 / w2)
    off = [f"{name} {got:.4f} is off" for name, got, ok in
           (("slope", slope, want[0]), ("intercept", intercept, want[1]))
           if not np.isclose(got, ok, rtol=0, atol=1e-6)]
    if off:
        return LINE.feedback(False, "; ".join(off) + ".")
    return LINE.feedback(True, f"x2 = {want[0]:.4f} x1 + {want[1]:.4f}; its points have z = 0.")


def updates_at(lr, gate_name="NAND"):
    """Updates the perceptron rule makes from w = 0 on a gate with the book's orders."""
    X, y = book_gate(gate_name)
    return train(X, y, (0.0, 0.0, 0.0), lr, orders=book_orders(4, 20)).n_updates


@LR.check
def check_updates_at_lr_1(n):
    """From w = 0 on NAND with the book's orders, lr 0.1 takes 3 updates. How many at lr 1.0?"""
    n = LR.whole(n, "your prediction (a whole number)")
    expected = updates_at(1.0)
    if n == expected:
        return LR.feedback(True, f"{expected} updates, as at lr 0.1 ({updates_at(0.1)}): "
                                 "from w = 0 the learning rate only rescales w.")
    direction = "fewer" if n > expected else "more"
    return LR.feedback(False, f"{shown(n)} is not it; it takes {direction}.")


def _rule_cases():
    """(w, x, target, lr): wrong and right outputs, with z = 0 exactly among them."""
    return [
        (np.array([-0.05, 0.0, 0.0]), np.array([1.0, 0.0, 0.0]), 1.0, 0.1),  # Table 2-1, ex. 1
        (np.array([0.05, 0.0, 0.075]), np.array([1.0, 0.0, 1.5]), -1.0, 0.1),  # ex. 2
        (np.array([-0.05, 0.075, 0.0]), np.array([1.0, -1.5, 0.0]), 1.0, 0.1),  # ex. 3
        (np.array([0.9, -0.6, -0.5]), np.array([1.0, -1.0, -1.0]), 1.0, 0.1),  # right: no change
        (np.array([0.0, 0.5, -0.5]), np.array([1.0, 1.0, 1.0]), -1.0, 0.25),  # z = 0 -> +1: wrong
        (np.array([0.0, 0.5, -0.5]), np.array([1.0, 1.0, 1.0]), 1.0, 0.25),  # z = 0 -> +1: right
    ]


def reference_update(w, x, target, lr):
    """The rule itself, to compare against: a new array, w + target * lr * x if wrong."""
    output = 1.0 if float(np.dot(w, x)) >= 0.0 else -1.0
    return w + target * lr * x if output != target else w.copy()


@RULE.check
def check_update_rule(update):
    """Call update(w, x, target, lr) on six cases (Table 2-1's three among them)."""
    if update is ... or not callable(update):
        return RULE.feedback(False, "Pass your function: check_update_rule(update).")
    for w, x, target, lr in _rule_cases():
        expected = reference_update(w, x, target, lr)
        got = RULE.array(RULE.call(update, w.copy(), x.copy(), target, lr),
                         "the new weights, an array of numbers")
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=0, atol=1e-12):
            return RULE.feedback(
                False, f"for w = {w.tolist()}, x = {x.tolist()}, target = {target:+.0f}, "
                       f"lr = {lr}: got {shown(np.round(got, 4).tolist())}, "
                       f"expected {np.round(expected, 4).tolist()}.")
    return RULE.feedback(True, "all six cases right, including z = 0 exactly.")
