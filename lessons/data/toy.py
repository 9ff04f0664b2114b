"""Small 2-D datasets for the first chapters: logic gates and seeded blobs.

Inputs come back with the bias input in column 0 (X[:, 0] == 1), as the perceptron expects,
and targets in {-1, +1}. Gates use Ekman's encoding: false = -1, true = +1.
"""
import numpy as np

from lessons.kernels import checks

_INPUTS = np.array([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])  # Table 1-1's order
GATES = {
    "NAND": np.array([1.0, 1.0, 1.0, -1.0]),
    "AND": np.array([-1.0, -1.0, -1.0, 1.0]),
    "OR": np.array([-1.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([-1.0, 1.0, 1.0, -1.0]),
}


def with_bias(X2):
    """Prepend the bias input x0 = 1: X2[n, k] -> X[n, k + 1]."""
    X2 = checks.array("with_bias", "X2", X2, ndim=2, shape="[n, k]", dtype=np.float64)
    return np.hstack([np.ones((X2.shape[0], 1)), X2])


def gate(name):
    """Truth table of a two-input gate: (X[4, 3] with bias column, y[4] in {-1, +1})."""
    key = str(name).upper()
    if key not in GATES:
        raise ValueError(f"gate: name must be one of {sorted(GATES)}, got {name!r}")
    return with_bias(_INPUTS), GATES[key].copy()


def blobs(n=40, *, separable=True, seed=0):
    """Two seeded Gaussian clouds, n points in all: (X[n, 3] with bias column, y[n]).

    separable=True keeps the clouds apart (a perceptron converges); False lets them overlap
    (the perceptron rule never settles).
    """
    n = checks.number("blobs", "n", n, low=2, integer=True)
    seed = checks.number("blobs", "seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    centre = np.array([0.9, 0.6]) if separable else np.array([0.35, 0.25])
    spread = 0.28 if separable else 0.5
    X2 = y[:, None] * centre + spread * rng.standard_normal((n, 2))
    if separable:  # push the rare straggler back so every point clears the boundary by 0.15
        shortfall = np.maximum(0.15 - y * (X2 @ centre), 0.0) / (centre @ centre)
        X2 += (y * shortfall)[:, None] * centre
    return with_bias(X2), y
