"""Seeded 2-D classification problems: XOR clusters, two moons, two circles, k spirals.

Chapter 03, Sigmoid Neurons and Backpropagation (XOR), and the decision-boundary widgets of
the later chapters: problems a single line cannot separate, so a hidden layer has to bend
the boundary.

Every generator returns (X[n, 2] float64, y[n] int64) with plain features and class labels
0..k-1. This differs from `lessons.data.toy` (gate, blobs), whose X carries the perceptron's
bias input in column 0 and whose targets are -1/+1: here the bias lives in the layer, as in
`dense_forward(X, W, b)`. Use `toy.with_bias(X)` to feed these points to the perceptron.

All randomness comes from `np.random.default_rng(seed)`; `noise` is the standard deviation of
Gaussian jitter added to each coordinate. Classes are as equal in size as n allows and the
rows are shuffled, so any prefix is a fair minibatch.
"""
import numpy as np

from lessons.kernels import checks


def xor_points(n=200, *, noise=0.2, seed=0):
    """Four clusters around (+-1, +-1); class 1 where the signs differ (the XOR of the inputs).

    The same encoding as the XOR gate (false = -1, true = +1), blurred into clouds.
    """
    n, noise, rng = _common("xor_points", n, noise, seed)
    corner = rng.permutation(np.arange(n) % 4)
    centres = np.array([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)[corner]
    return _jitter(centres[corner], noise, rng), y


def moons(n=200, *, noise=0.1, seed=0):
    """Two interleaved half circles of radius 1: class 0 arches up, class 1 (shifted) down."""
    n, noise, rng = _common("moons", n, noise, seed)
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    return _jitter(np.where(y[:, None] == 0, upper, lower), noise, rng), y


def circles(n=200, *, noise=0.05, factor=0.5, seed=0):
    """Two concentric circles: class 0 of radius 1, class 1 of radius `factor` (0 < factor < 1)."""
    n, noise, rng = _common("circles", n, noise, seed)
    factor = checks.number("circles", "factor", factor, low=0.0, low_open=True, high=1.0)
    if factor == 1.0:
        raise ValueError("circles: factor must be < 1 (the inner circle's radius), got 1.0")
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    return _jitter(radius[:, None] * np.column_stack([np.cos(t), np.sin(t)]), noise, rng), y


def spirals(n=300, *, k=3, noise=0.05, turns=1.0, seed=0):
    """k interleaved spiral arms from the origin out to radius 1, one class per arm.

    Arm j starts at angle 2 pi j / k and winds `turns` times around the origin.
    """
    n, noise, rng = _common("spirals", n, noise, seed)
    k = checks.number("spirals", "k", k, low=2, integer=True)
    turns = checks.number("spirals", "turns", turns, low=0.0, low_open=True)
    y = _balanced_labels(n, k, rng)
    r = rng.uniform(0.0, 1.0, n)
    angle = 2.0 * np.pi * (y / k + turns * r)
    return _jitter(r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]), noise, rng), y


def _common(func, n, noise, seed):
    n = checks.number(func, "n", n, low=1, integer=True)
    noise = checks.number(func, "noise", noise, low=0.0)
    seed = checks.number(func, "seed", seed, low=0, integer=True)
    return n, noise, np.random.default_rng(seed)


def _balanced_labels(n, k, rng):
    """n labels 0..k-1 whose counts differ by at most one, in random order."""
    return rng.permutation(np.arange(n) % k).astype(np.int64)


def _jitter(X, noise, rng):
    return np.ascontiguousarray(X + noise * rng.standard_normal(X.shape), dtype=np.float64)
