"""Optimizer helpers that act on all of a model's gradients at once.

clip_by_global_norm (Ekman, Chapters 5 and 9: the remedy for exploding gradients): when the
norm of all gradients together, ||g|| = sqrt(sum over every array of sum g^2), exceeds
max_norm, scale every array by max_norm / ||g||. The direction of the step is kept; only its
length is capped. Clipping each array (or each entry) on its own would turn the direction.

The sum of squares runs in a fixed order (array after array, entry after entry), so the norm
has the same bits on every CPU.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _sum_of_squares(a):
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i] * a[i]
    return total


def clip_by_global_norm(grads, max_norm):
    """(clipped, norm): the gradient arrays scaled by min(1, max_norm / norm), as new arrays
    in the order given, and their global norm before clipping.

    grads: a list of float arrays of any shapes (a model's grads()); max_norm > 0.
    """
    f = "clip_by_global_norm"
    grads = checks.as_list(f, "grads", grads, "gradient arrays")
    grads = [checks.array(f, f"grads[{i}]", g, ndim=None, shape="(a gradient array)")
             for i, g in enumerate(grads)]
    max_norm = checks.number(f, "max_norm", max_norm, low=0.0, low_open=True)
    total = 0.0
    for g in grads:
        total += _sum_of_squares(g.reshape(-1).astype(np.float64, copy=False))
    norm = float(np.sqrt(total))
    scale = min(1.0, max_norm / norm) if norm > 0.0 else 1.0
    return [g * g.dtype.type(scale) for g in grads], norm
