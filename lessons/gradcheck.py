"""Finite-difference gradient checks, used by the tests and shown in the chapters.

The central difference (f(x + h) - f(x - h)) / 2h has error O(h^2); h = 1e-6 balances that
against float64 round-off, which grows like eps / h.
"""
import numpy as np

from lessons.kernels import checks


def _function(func, name, f):
    if not callable(f):
        raise TypeError(f"{func}: {name} must be a function, got {type(f).__name__}")
    return f


def _loss(f, x):
    """f(x) as a float: f must return one number, the loss."""
    value = f(x)
    try:
        if np.ndim(value) == 0 and not isinstance(value, (str, bytes)):
            return float(value)
    except (TypeError, ValueError):  # None, a ragged list, ...
        pass
    got = (f"an array of shape {np.shape(value)}" if isinstance(value, np.ndarray)
           else f"{type(value).__name__} {value!r}")
    raise TypeError(f"numerical_gradient: f must return one number (the loss), got {got}")


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of the scalar function f at x (any shape, float64):
    x[...] -> grad[...], the same shape (a 0-d x gives a 0-d gradient).

    f is called with arrays shaped like x (x itself, one entry nudged at a time); x is left
    as it was, also when f raises.
    """
    f = _function("numerical_gradient", "f", f)
    x = checks.array("numerical_gradient", "x", x, ndim=None, dtype=np.float64)
    h = checks.number("numerical_gradient", "h", h, low=0.0, low_open=True)
    grad = np.empty_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        try:
            flat[k] = saved + h
            f_plus = _loss(f, x)
            flat[k] = saved - h
            f_minus = _loss(f, x)
        finally:
            flat[k] = saved
        g[k] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||) over all entries of two arrays of the same shape: ~1e-8 or
    less means the gradients agree. NaN or inf in either gives NaN or inf: no agreement.

    Norms rather than entry by entry: a central difference carries about eps |f| / h = 1e-10
    of absolute round-off, which is a large *relative* error for an entry that is nearly
    zero (a gradient of 1e-5 would show 1e-5 however right it is).
    """
    a, b = (checks.array("relative_error", name, v, ndim=None, dtype=np.float64,
                           finite=False, allow_empty=True) for name, v in (("a", a), ("b", b)))
    if a.shape != b.shape:  # broadcasting would compare a gradient with part of another
        raise ValueError(f"relative_error: b has shape {b.shape} but a has shape {a.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def check_gradient(f, grad_f, x, h=1e-6):
    """Relative error between the analytic grad_f(x) and the finite-difference gradient of f
    at x[...]; grad_f(x) must have x's shape."""
    grad_f = _function("check_gradient", "grad_f", grad_f)
    x = checks.array("check_gradient", "x", x, ndim=None, dtype=np.float64).copy()
    analytic = checks.array("check_gradient", "grad_f(x)", grad_f(x), ndim=None,
                              dtype=np.float64, finite=False, allow_empty=True)
    if analytic.shape != x.shape:
        raise ValueError(f"check_gradient: grad_f(x) has shape {analytic.shape} but x has shape "
                         f"{x.shape} (the gradient has one entry per entry of x)")
    return relative_error(analytic, numerical_gradient(f, x, h))
