"""Finite-difference gradient checks, used by the tests and shown in the chapters.

The central difference (f(x + h) - f(x - h)) / 2h has error O(h^2); h = 1e-6 balances that
against float64 round-off, which grows like eps / h.
"""
import numpy as np

from lessons import validate


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar function f at x (any shape, float64).

    f is called with arrays shaped like x; x itself is not modified.
    """
    x = validate.array("numerical_gradient", "x", x, ndim=np.ndim(x), dtype=np.float64)
    h = validate.number("numerical_gradient", "h", h, low=0.0, low_open=True)
    grad = np.empty_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + h
        f_plus = float(f(x))
        flat[k] = saved - h
        f_minus = float(f(x))
        flat[k] = saved
        g[k] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||) over all entries: ~1e-8 or less means the gradients agree.

    Norms rather than entry by entry: a central difference carries about eps |f| / h = 1e-10
    of absolute round-off, which is a large *relative* error for an entry that is nearly
    zero (a gradient of 1e-5 would show 1e-5 however right it is).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def check_gradient(f, grad_f, x, h=1e-6):
    """Relative error between the analytic grad_f(x) and the finite-difference gradient of f."""
    x = np.array(x, dtype=np.float64)
    return relative_error(grad_f(x), numerical_gradient(f, x, h))
