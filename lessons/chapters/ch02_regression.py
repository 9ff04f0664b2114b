"""Chapter 02, Gradient-Based Learning: full-batch, stochastic and minibatch descent compared.

A seeded linear-regression problem and a fit loop around the `linear_mse_epoch` kernel. The
loop draws each epoch's visiting order in Python from `np.random.default_rng(seed)` (kernels
never hold randomness), so two runs with the same seed give the same history.
"""
import math
from dataclasses import dataclass

import numpy as np

from lessons.kernels import checks
from lessons.kernels import linear_mse_epoch


def linear_data(n=200, d=1, *, noise=0.5, seed=0):
    """A seeded regression problem y = X w_true + noise: (X[n, d + 1], y[n], w_true[d + 1]).

    Column 0 of X is the bias input 1; the d features are standard normal; w_true is drawn
    uniformly from [-2, 2]; the noise is Gaussian with standard deviation `noise`.
    """
    f = "linear_data"
    n = checks.number(f, "n", n, low=1, integer=True)
    d = checks.number(f, "d", d, low=1, integer=True)
    noise = checks.number(f, "noise", noise, low=0.0)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    rng = np.random.default_rng(seed)
    X = np.hstack([np.ones((n, 1)), rng.standard_normal((n, d))])
    w_true = rng.uniform(-2.0, 2.0, d + 1)
    y = X @ w_true + noise * rng.standard_normal(n)
    return X, y, w_true


def _data(func, X, y):
    X = checks.array(func, "X", X, ndim=2, shape="[n, d]")
    return X, checks.targets(func, "y", y, X, shape=f"[{X.shape[0]}]", dtype=X.dtype)


def _weights(func, name, w, X, *, finite=True):
    w = checks.array(func, name, w, ndim=1, shape=f"[{X.shape[1]}]", dtype=X.dtype,
                       finite=finite)
    if w.shape[0] != X.shape[1]:
        raise ValueError(f"{func}: {name} has {w.shape[0]} weights but X has {X.shape[1]} "
                         f"columns")
    return w


def mse(w, X, y):
    """Mean squared error of the linear model w[d] on all of X[n, d], y[n]. Weights that
    diverged (NaN or inf) give a NaN or inf error, not an exception."""
    X, y = _data("mse", X, y)
    w = _weights("mse", "w", w, X, finite=False)
    residual = X @ w - y
    return float(residual @ residual) / len(y)


@dataclass(frozen=True)
class LinearFit:
    """A finished fit: losses[k] = full-data MSE after k epochs (losses[0]: before training)."""

    w: np.ndarray
    losses: np.ndarray
    updates_per_epoch: int

    @property
    def updates(self):
        """Weight updates (gradient evaluations) made by the end of each epoch, aligned with losses."""
        return np.arange(len(self.losses)) * self.updates_per_epoch


def fit_linear(X, y, batch_size, lr, epochs, seed=0, w0=None):
    """Train a linear model by minibatch gradient descent on MSE; returns a LinearFit.

    batch_size = len(y) is full-batch gradient descent (Tavenard's Algorithm 1), 1 is SGD,
    anything between is minibatch SGD (Algorithm 2). Each epoch visits the rows in a fresh
    permutation drawn from np.random.default_rng(seed). w0 defaults to zeros. A learning rate
    that diverges ends the fit early: losses then stops at the first non-finite value.
    """
    f = "fit_linear"
    X, y = _data(f, X, y)
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    epochs = checks.number(f, "epochs", epochs, low=0, integer=True)
    seed = checks.number(f, "seed", seed, low=0, integer=True)
    if w0 is None:
        w = np.zeros(X.shape[1], dtype=X.dtype)
    else:
        w = _weights(f, "w0", w0, X).copy()
    rng = np.random.default_rng(seed)
    losses = [mse(w, X, y)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(epochs):
            linear_mse_epoch(w, X, y, rng.permutation(len(y)), batch_size, lr)
            losses.append(mse(w, X, y))
            if not np.isfinite(losses[-1]):  # diverged: the next epoch would reject w
                break
    return LinearFit(w, np.array(losses), math.ceil(len(y) / batch_size))
