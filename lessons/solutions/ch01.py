"""Chapter 01, The Perceptron: worked solutions to `lessons.exercises.ch01`. Hints first!"""
import numpy as np

# NOR = NOT OR. Negating all of OR's weights (0.2, 0.6, 0.6) negates z; no input of the
# truth table gives z = 0 exactly, so every output flips and OR becomes NOR.
NOR_WEIGHTS = (-0.2, -0.6, -0.6)

# z = 0.9 - 0.6 x1 - 0.5 x2 = 0  =>  x2 = (0.9 - 0.6 x1) / 0.5 = -1.2 x1 + 1.8.
BOUNDARY_SLOPE = -1.2
BOUNDARY_INTERCEPT = 1.8

# From w = 0 every weight vector is lr times a sum of +-x rows, so lr 1.0 gives weights ten
# times those at lr 0.1: every z is ten times larger, no sign changes, the same 3 updates.
UPDATES_AT_LR_1 = 3


def update(w, x, target, lr):
    """One step of the perceptron rule: a new array, changed only when the output is wrong."""
    output = 1.0 if np.dot(w, x) >= 0.0 else -1.0
    if output != target:
        return w + target * lr * x
    return w.copy()
