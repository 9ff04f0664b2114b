"""Chapter 14, The Transformer (Ekman, Chapter 15; Ba, Kiros & Hinton 2016): layer
normalization, forward and backward.

Batch normalization (chapter 05) normalizes each feature over the batch; layer norm
normalizes each *position* over its own D features, so it does not depend on the batch size
or on the other characters of a sequence, and it works the same at training and inference.
Ekman names it without the formula; for a row x of D features:

    mu = mean_k x_k,   var = mean_k (x_k - mu)^2,   inv = 1 / sqrt(var + eps)
    x_hat = (x - mu) inv,      y = gamma * x_hat + beta        (gamma, beta: [D], learnt)

Backward, with g = dY * gamma (the gradient reaching x_hat):

    dbeta = sum over rows of dY,   dgamma = sum over rows of dY * x_hat
    dx = inv (g - mean_k g - x_hat mean_k(g x_hat))

The two means are the chain rule through mu and var, as in batch norm, but along the row.
The backward recomputes mu and inv from X (cheaper than storing them and one fewer argument).
Sums run over k, then over rows, in order: the same bits on every CPU.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _row_stats(x, eps):
    D = x.shape[0]
    total = 0.0
    for k in range(D):
        total += x[k]
    mu = total / D
    sq = 0.0
    for k in range(D):
        d = x[k] - mu
        sq += d * d
    return mu, 1.0 / np.sqrt(sq / D + eps)


@njit(cache=True)
def _layer_norm_forward_kernel(X, gamma, beta, eps):
    R, D = X.shape
    Y = np.empty_like(X)
    for r in range(R):
        mu, inv = _row_stats(X[r], eps)
        for k in range(D):
            Y[r, k] = gamma[k] * ((X[r, k] - mu) * inv) + beta[k]
    return Y


@njit(cache=True)
def _layer_norm_backward_kernel(X, gamma, dY, eps):
    R, D = X.shape
    dX = np.empty_like(X)
    dgamma, dbeta = np.zeros_like(gamma), np.zeros_like(gamma)
    xhat, g = np.empty(D, dtype=X.dtype), np.empty(D, dtype=X.dtype)
    for r in range(R):
        mu, inv = _row_stats(X[r], eps)
        mean_g, mean_gx = 0.0, 0.0
        for k in range(D):
            xhat[k] = (X[r, k] - mu) * inv
            g[k] = dY[r, k] * gamma[k]
            mean_g += g[k]
            mean_gx += g[k] * xhat[k]
            dgamma[k] += dY[r, k] * xhat[k]
            dbeta[k] += dY[r, k]
        mean_g /= D
        mean_gx /= D
        for k in range(D):
            dX[r, k] = inv * (g[k] - mean_g - xhat[k] * mean_gx)
    return dX, dgamma, dbeta


def _check(func, X, gamma):
    X = checks.array(func, "X", X, ndim=None, shape="[..., D] (normalized over the last axis)")
    if X.ndim < 1:
        raise ValueError(f"{func}: X must have at least one axis [..., D], got a scalar")
    gamma = checks.array(func, "gamma", gamma, ndim=1, shape="[D]")
    if gamma.shape[0] != X.shape[-1]:
        raise ValueError(f"{func}: gamma has {gamma.shape[0]} entries but X has D = "
                         f"{X.shape[-1]} features in its last axis")
    return X, gamma


def layer_norm_forward(X, gamma, beta, eps=1e-5):
    """Y[..., D]: each row of X normalized over its D features, then gamma * x_hat + beta."""
    f = "layer_norm_forward"
    X, gamma = _check(f, X, gamma)
    beta = checks.array(f, "beta", beta, ndim=1, shape="[D]")
    if beta.shape != gamma.shape:
        raise ValueError(f"{f}: beta has {beta.shape[0]} entries but gamma has {gamma.shape[0]}")
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    dtype = np.result_type(X, gamma, beta)
    Y = _layer_norm_forward_kernel(X.reshape(-1, X.shape[-1]).astype(dtype, copy=False),
                                   gamma.astype(dtype, copy=False),
                                   beta.astype(dtype, copy=False), eps)
    return Y.reshape(X.shape)


def layer_norm_backward(X, gamma, dY, eps=1e-5):
    """(dX[..., D], dgamma[D], dbeta[D]) from dY, given the forward's X and gamma."""
    f = "layer_norm_backward"
    X, gamma = _check(f, X, gamma)
    dY = checks.array(f, "dY", dY, ndim=None, shape="shaped like X")
    if dY.shape != X.shape:
        raise ValueError(f"{f}: dY has shape {dY.shape} but X has {X.shape}")
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    dtype = np.result_type(X, gamma, dY)
    D = X.shape[-1]
    dX, dgamma, dbeta = _layer_norm_backward_kernel(
        X.reshape(-1, D).astype(dtype, copy=False), gamma.astype(dtype, copy=False),
        dY.reshape(-1, D).astype(dtype, copy=False), eps)
    return dX.reshape(X.shape), dgamma, dbeta
