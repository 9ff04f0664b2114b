"""Chapter 05, Toward Deep Learning: Nesterov and AdaGrad steps, and clipping by global norm.

Each step updates a parameter array p and its optimizer state in place from the gradient g
at p (all the same shape and float dtype). Ekman names these methods without formulas; these
are the usual ones (and Keras'):

    nesterov_step   v <- mu v - lr g;   p <- p + mu v - lr g
        Nesterov's momentum evaluates the gradient at the look-ahead point p + mu v. Keeping
        p at that look-ahead point (Sutskever et al. 2013) turns it into this step, which
        needs only the gradient at p: the same trajectory, shifted by mu v.
    adagrad_step    r <- r + g^2;        p <- p - lr g / (sqrt(r) + eps)
        r sums every squared gradient so far: each parameter's steps shrink as its
        gradients accumulate, fastest for the parameters that move most.

clip_by_global_norm(grads, max_norm) rescales a list of gradient arrays in place when their
joint norm sqrt(sum of all squares) exceeds max_norm, so that it becomes max_norm: the
direction is kept and only the length is capped (the cure for exploding gradients; Chapters
10-11 clip the gradients of recurrent networks this way). The sum of squares runs in float64,
array after array, element after element: the same bits on every CPU.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _nesterov_kernel(p, g, v, lr, mu):
    for i in range(p.shape[0]):
        v[i] = mu * v[i] - lr * g[i]
        p[i] += mu * v[i] - lr * g[i]


@njit(cache=True)
def _adagrad_kernel(p, g, r, lr, eps):
    for i in range(p.shape[0]):
        r[i] += g[i] * g[i]
        p[i] -= lr * g[i] / (np.sqrt(r[i]) + eps)


@njit(cache=True)
def _sum_of_squares(a):
    total = 0.0
    for i in range(a.shape[0]):
        total += np.float64(a[i]) * np.float64(a[i])
    return total


@njit(cache=True)
def _scale(a, factor):
    for i in range(a.shape[0]):
        a[i] *= factor


def _state(func, p, g, s, s_name):
    p = checks.inplace(func, "p", p, ndim=None, shape="(a parameter array)")
    s = checks.inplace(func, s_name, s, ndim=None, shape="(shaped like p)")
    if s.shape != p.shape or s.dtype != p.dtype:
        raise ValueError(f"{func}: {s_name} must be a {p.dtype} array shaped like p "
                         f"{p.shape}, got {s.dtype} {s.shape} (start it at np.zeros_like(p))")
    g = checks.like(func, "g", g, p, "p")
    return p.reshape(-1), np.ascontiguousarray(g).reshape(-1), s.reshape(-1)


def nesterov_step(p, g, v, lr, momentum=0.9):
    """One Nesterov momentum step: v <- mu v - lr g; p <- p + mu v - lr g (in place)."""
    f = "nesterov_step"
    p1, g1, v1 = _state(f, p, g, v, "v")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    mu = checks.number(f, "momentum", momentum, low=0.0)
    if mu >= 1.0:
        raise ValueError(f"{f}: momentum must be in [0, 1) (at 1 the velocity never decays), "
                         f"got {mu}")
    _nesterov_kernel(p1, g1, v1, p.dtype.type(lr), p.dtype.type(mu))


def adagrad_step(p, g, r, lr=0.01, eps=1e-7):
    """One AdaGrad step: r <- r + g^2; p <- p - lr g / (sqrt(r) + eps) (in place)."""
    f = "adagrad_step"
    p1, g1, r1 = _state(f, p, g, r, "r")
    if np.any(r < 0):
        raise ValueError(f"{f}: r is a sum of squared gradients and cannot be negative")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    _adagrad_kernel(p1, g1, r1, p.dtype.type(lr), p.dtype.type(eps))


def global_norm(grads):
    """sqrt(sum of the squares of every entry of every array in grads), in float64."""
    grads = checks.as_list("global_norm", "grads", grads, "gradient arrays")
    return float(np.sqrt(sum(_sum_of_squares(checks.array(
        "global_norm", f"grads[{i}]", g, ndim=None, shape="(a gradient array)").reshape(-1))
        for i, g in enumerate(grads))))


def clip_by_global_norm(grads, max_norm):
    """Scale every array of grads in place by max_norm / norm when their global norm
    (see global_norm) is above max_norm; returns the norm measured before clipping.

    The arrays must be writable float arrays (a model's grads() lists are). After the call
    their global norm is min(norm, max_norm), their direction unchanged.
    """
    f = "clip_by_global_norm"
    grads = checks.as_list(f, "grads", grads, "gradient arrays")
    if not grads:
        raise ValueError(f"{f}: grads is empty; pass the list of gradient arrays")
    grads = [checks.inplace(f, f"grads[{i}]", g, ndim=None, shape="(a gradient array)")
             for i, g in enumerate(grads)]
    max_norm = checks.number(f, "max_norm", max_norm, low=0.0, low_open=True)
    norm = float(np.sqrt(sum(_sum_of_squares(g.reshape(-1)) for g in grads)))
    if norm > max_norm:
        for g in grads:
            _scale(g.reshape(-1), g.dtype.type(max_norm / norm))
    return norm
