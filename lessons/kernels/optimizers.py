"""Chapter 05, Toward Deep Learning: optimizer steps (momentum, RMSprop, Adam, Nesterov,
AdaGrad), and clipping by global norm.

Each step updates a parameter array p and its optimizer state in place from the gradient g
at p (all the same shape and float dtype). Ekman names these methods without formulas; these
are the usual ones (and Keras'):

    momentum_step   v <- mu v - lr g;   p <- p + v
    rmsprop_step    s <- rho s + (1 - rho) g^2;   p <- p - lr g / (sqrt(s) + eps)
    adam_step       m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2;
                    p <- p - lr (m / c1) / (sqrt(v / c2) + eps),  c = 1 - beta^t at step t
        (lessons.optim's SGD, RMSprop and Adam explain them and call these.) Each is one pass
        over memory with the operations of its NumPy twin in the same order, and every
        constant in p's dtype, as NumPy rounds a Python float it meets: the same bits as
        the twin, in a fifth to a sixteenth of its time (measured: lessons.optim).
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


@njit(cache=True, error_model="numpy")  # no zero-division check to keep the loops from SIMD
def _momentum_kernel(p, g, v, lr, mu):
    for i in range(p.shape[0]):
        v[i] = v[i] * mu - lr * g[i]
        p[i] += v[i]


@njit(cache=True, error_model="numpy")
def _rmsprop_kernel(p, g, s, lr, rho, one_minus_rho, eps):
    for i in range(p.shape[0]):
        s[i] = s[i] * rho + one_minus_rho * g[i] * g[i]
        p[i] -= lr * g[i] / (np.sqrt(s[i]) + eps)


@njit(cache=True, error_model="numpy")
def _adam_kernel(p, g, m, v, lr, beta1, one_minus_beta1, beta2, one_minus_beta2, c1, c2, eps):
    for i in range(p.shape[0]):
        m[i] = m[i] * beta1 + one_minus_beta1 * g[i]
        v[i] = v[i] * beta2 + one_minus_beta2 * g[i] * g[i]
        p[i] -= lr * (m[i] / c1) / (np.sqrt(v[i] / c2) + eps)


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


def _state(func, p, g, **states):
    """(p, g, *states) checked and flattened: states are the optimizer's arrays by name."""
    p = checks.inplace(func, "p", p, ndim=None, shape="(a parameter array)")
    flat = []
    for name, s in states.items():
        s = checks.inplace(func, name, s, ndim=None, shape="(shaped like p)")
        if s.shape != p.shape or s.dtype != p.dtype:
            raise ValueError(f"{func}: {name} must be a {p.dtype} array shaped like p "
                             f"{p.shape}, got {s.dtype} {s.shape} (start it at np.zeros_like(p))")
        flat.append(s.reshape(-1))
    g = checks.like(func, "g", g, p, "p")
    return (p.reshape(-1), np.ascontiguousarray(g).reshape(-1), *flat)


def decay_factor(func, name, value):
    """A decay factor of a running average, checked for `func`: in [0, 1), else old gradients
    never fade (lessons.optim's optimizers check theirs with it too)."""
    value = checks.number(func, name, value, low=0.0)
    if value >= 1.0:
        raise ValueError(f"{func}: {name} must be in [0, 1) (at 1 old gradients never fade), "
                         f"got {value}")
    return value


def momentum_step(p, g, v, lr, momentum=0.9):
    """One step of SGD with classical momentum: v <- mu v - lr g; p <- p + v (in place)."""
    f = "momentum_step"
    p1, g1, v1 = _state(f, p, g, v=v)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    momentum = decay_factor(f, "momentum", momentum)
    dt = p.dtype.type
    _momentum_kernel(p1, g1, v1, dt(lr), dt(momentum))


def rmsprop_constants(dtype, lr, rho, eps):
    """The RMSprop kernel's (lr, rho, 1 - rho, eps) in p's dtype, each rounded from the Python
    float as NumPy rounds it, so that the kernel gives its twin's bits."""
    dt = dtype.type
    return dt(lr), dt(rho), dt(1.0 - rho), dt(eps)


def adam_constants(dtype, t, lr, beta1, beta2, eps):
    """The Adam kernel's (lr, beta1, 1 - beta1, beta2, 1 - beta2, c1, c2, eps) at step t in p's
    dtype, as rmsprop_constants."""
    dt = dtype.type
    return (dt(lr), dt(beta1), dt(1.0 - beta1), dt(beta2), dt(1.0 - beta2),
            dt(1.0 - beta1 ** t), dt(1.0 - beta2 ** t), dt(eps))


def rmsprop_step(p, g, s, lr=1e-3, rho=0.9, eps=1e-7):
    """One RMSprop step: s <- rho s + (1 - rho) g^2; p <- p - lr g / (sqrt(s) + eps)
    (in place)."""
    f = "rmsprop_step"
    p1, g1, s1 = _state(f, p, g, s=s)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    rho = decay_factor(f, "rho", rho)
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    _rmsprop_kernel(p1, g1, s1, *rmsprop_constants(p.dtype, lr, rho, eps))


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Adam's step number t >= 1 (in place): m and v are the running means, stored
    uncorrected; the step divides them by c1 = 1 - beta1^t and c2 = 1 - beta2^t."""
    f = "adam_step"
    p1, g1, m1, v1 = _state(f, p, g, m=m, v=v)
    t = checks.number(f, "t", t, low=1, integer=True)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    beta1, beta2 = decay_factor(f, "beta1", beta1), decay_factor(f, "beta2", beta2)
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    _adam_kernel(p1, g1, m1, v1, *adam_constants(p.dtype, t, lr, beta1, beta2, eps))


def nesterov_step(p, g, v, lr, momentum=0.9):
    """One Nesterov momentum step: v <- mu v - lr g; p <- p + mu v - lr g (in place)."""
    f = "nesterov_step"
    p1, g1, v1 = _state(f, p, g, v=v)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    mu = checks.number(f, "momentum", momentum, low=0.0)
    if mu >= 1.0:
        raise ValueError(f"{f}: momentum must be in [0, 1) (at 1 the velocity never decays), "
                         f"got {mu}")
    _nesterov_kernel(p1, g1, v1, p.dtype.type(lr), p.dtype.type(mu))


def adagrad_step(p, g, r, lr=0.01, eps=1e-7):
    """One AdaGrad step: r <- r + g^2; p <- p - lr g / (sqrt(r) + eps) (in place)."""
    f = "adagrad_step"
    p1, g1, r1 = _state(f, p, g, r=r)
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
