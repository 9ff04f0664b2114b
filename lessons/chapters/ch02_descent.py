"""Chapter 02, Gradient-Based Learning: loss surfaces and gradient descent with momentum.

A surface is a function with its analytic gradient; `descend` follows it from a start point.
Divergence is a result, not an error: the walk stops when a coordinate leaves [-1e6, 1e6] or
stops being finite, and says so, so a widget can draw a learning rate that explodes.
"""
from dataclasses import dataclass

import numpy as np

from lessons.kernels import checks


@dataclass(frozen=True)
class Surface:
    """A loss surface f(p) over p = (x, y) or p = (w,), with its gradient and a view window."""

    name: str
    formula: str
    f: object  # callable: array [..., dim] -> [...]
    grad: object  # callable: array [dim] -> [dim]
    start: tuple
    window: tuple  # ((x_lo, x_hi), (y_lo, y_hi)) or ((w_lo, w_hi),)
    minima: tuple  # the global minimum (or minima) to mark

    @property
    def dim(self):
        return len(self.start)


def _bowl(a, b):
    return (lambda p: a * p[..., 0] ** 2 + b * p[..., 1] ** 2,
            lambda p: np.array([2 * a * p[0], 2 * b * p[1]]))


def _rosenbrock(p):
    return (1 - p[..., 0]) ** 2 + 100 * (p[..., 1] - p[..., 0] ** 2) ** 2


def _rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _tilted_well(w):
    """A tilted double well like Chollet's Fig. 2.9 (his book has no formula): local minimum
    near 1.40, global near -1.71."""
    return 0.1 * w ** 4 - 0.5 * w ** 2 + 0.3 * w


def _tilted_well_grad(w):
    return 0.4 * w ** 3 - 1.0 * w + 0.3


SURFACES = {
    "round bowl": Surface("round bowl", "x² + y²", *_bowl(1.0, 1.0),
                          start=(-1.6, 1.2), window=((-2, 2), (-2, 2)), minima=((0.0, 0.0),)),
    "ill-conditioned bowl": Surface("ill-conditioned bowl", "0.5 x² + 10 y²", *_bowl(0.5, 10.0),
                                    start=(-1.8, 0.8), window=((-2, 2), (-1, 1)),
                                    minima=((0.0, 0.0),)),
    "rosenbrock": Surface("rosenbrock", "(1 − x)² + 100 (y − x²)²", _rosenbrock, _rosenbrock_grad,
                          start=(-1.2, 1.0), window=((-2, 2), (-1, 3)), minima=((1.0, 1.0),)),
    "double well": Surface("double well", "0.1 x⁴ − 0.5 x² + 0.3 x + y²",
                           lambda p: _tilted_well(p[..., 0]) + p[..., 1] ** 2,
                           lambda p: np.array([_tilted_well_grad(p[0]), 2 * p[1]]),
                           start=(2.5, 1.0), window=((-3, 3), (-1.5, 1.5)),
                           minima=((-1.7139, 0.0),)),
    "tilted well 1-D": Surface("tilted well 1-D", "0.1 w⁴ − 0.5 w² + 0.3 w",
                               lambda p: _tilted_well(p[..., 0]),
                               lambda p: np.array([_tilted_well_grad(p[0])]),
                               start=(2.5,), window=((-3, 3),), minima=((-1.7139,),)),
}


def surface(name):
    """Look a surface up by name (see SURFACES)."""
    if isinstance(name, Surface):
        return name
    if not isinstance(name, str) or name not in SURFACES:
        raise ValueError(f"surface: name must be one of {sorted(SURFACES)}, got {name!r}")
    return SURFACES[name]


@dataclass(frozen=True)
class Walk:
    """The path of a descent: points[k] after k steps, losses[k] = f(points[k])."""

    points: np.ndarray
    losses: np.ndarray
    diverged: bool

    @property
    def end(self):
        return self.points[-1]


LIMIT = 1e6


def descend(surf, start=None, lr=0.1, momentum=0.0, steps=50, *, rule="classical"):
    """Gradient descent on a surface, with optional momentum.

    rule="classical":  v <- m v - lr g;  p <- p + v            (m = 0 is plain descent)
    rule="book":       v <- m v + lr g;  p <- p + m v - lr g   (Chollet's Listing 2.39 as
                       printed: the velocity collects +lr g, so it pushes p uphill)
    The walk stops early, with diverged=True, when p leaves [-1e6, 1e6] or is not finite.
    """
    f = "descend"
    surf = surface(surf)
    p = checks.array(f, "start", surf.start if start is None else start, ndim=1,
                       shape=f"[{surf.dim}]", dtype=np.float64).copy()
    if p.shape[0] != surf.dim:
        raise ValueError(f"{f}: start must have {surf.dim} coordinates for {surf.name!r}, "
                         f"got {p.shape[0]}")
    lr = checks.number(f, "lr", lr, low=0.0)
    momentum = checks.number(f, "momentum", momentum, low=0.0, high=1.0)
    steps = checks.number(f, "steps", steps, low=0, integer=True)
    if not isinstance(rule, str) or rule not in ("classical", "book"):
        raise ValueError(f"{f}: rule must be 'classical' or 'book', got {rule!r}")
    v = np.zeros_like(p)
    points = [p.copy()]
    diverged = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = surf.grad(p)
            if rule == "classical":
                v = momentum * v - lr * g
                p = p + v
            else:
                v = momentum * v + lr * g
                p = p + momentum * v - lr * g
            if not np.all(np.isfinite(p)) or np.max(np.abs(p)) > LIMIT:
                diverged = True
                break
            points.append(p.copy())
        points = np.array(points)
        losses = surf.f(points)
    return Walk(points, losses, diverged)
