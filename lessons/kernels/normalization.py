"""Chapter 05, Toward Deep Learning: batch normalization (Ioffe & Szegedy 2015), forward and backward.

Ekman names batch normalization but prints no formulas; these are the paper's. For each
feature (a column of a dense layer's X[N, F], or a channel of a convolution's X[N, C, H, W],
whose statistics then run over N, H and W), with M values x_i in the batch:

    mu = mean_i x_i,   var = mean_i (x_i - mu)^2     (the biased variance, as the paper)
    x_hat_i = (x_i - mu) / sqrt(var + eps)
    y_i = gamma x_hat_i + beta                        gamma, beta learnt, one per feature

Backward, with dY = dL/dY and inv_std = 1 / sqrt(var + eps):

    dbeta = sum_i dy_i,   dgamma = sum_i dy_i x_hat_i
    dx_i = gamma inv_std (dy_i - dbeta / M - x_hat_i dgamma / M)

The last line is the chain rule through mu and var folded into two sums: each x_i moves the
batch's mean and variance, and so every other x_hat_j. (The learner derives it in the
chapter's exercise and checks it against finite differences.)

These are the training-time kernels: they use the batch's own statistics. At inference a
layer uses running averages instead (lessons.normalization.BatchNorm keeps them), which is
an affine map per feature and needs no kernel.

One kernel serves both layouts: X[N, F] is seen as [N, F, 1] and X[N, C, H, W] as
[N, C, H*W]. Sums run over n, then s, in order, in float64, on every CPU the same.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _bn_forward_kernel(X, gamma, beta, eps):
    N, C, S = X.shape
    Y = np.empty_like(X)
    X_hat = np.empty_like(X)
    inv_std = np.empty(C, dtype=X.dtype)
    M = N * S
    for c in range(C):
        total = 0.0
        for n in range(N):
            for s in range(S):
                total += X[n, c, s]
        mu = total / M
        sq = 0.0
        for n in range(N):
            for s in range(S):
                d = X[n, c, s] - mu
                sq += d * d
        inv = 1.0 / np.sqrt(sq / M + eps)
        inv_std[c] = inv
        for n in range(N):
            for s in range(S):
                X_hat[n, c, s] = (X[n, c, s] - mu) * inv
                Y[n, c, s] = gamma[c] * X_hat[n, c, s] + beta[c]
    return Y, X_hat, inv_std


@njit(cache=True)
def _bn_backward_kernel(dY, X_hat, inv_std, gamma):
    N, C, S = dY.shape
    dX = np.empty_like(dY)
    dgamma = np.empty(C, dtype=dY.dtype)
    dbeta = np.empty(C, dtype=dY.dtype)
    M = N * S
    for c in range(C):
        sb, sg = 0.0, 0.0
        for n in range(N):
            for s in range(S):
                sb += dY[n, c, s]
                sg += dY[n, c, s] * X_hat[n, c, s]
        dbeta[c] = sb
        dgamma[c] = sg
        k = gamma[c] * inv_std[c]
        for n in range(N):
            for s in range(S):
                dX[n, c, s] = k * (dY[n, c, s] - sb / M - X_hat[n, c, s] * (sg / M))
    return dX, dgamma, dbeta


def _as3d(X):
    return X.reshape(X.shape[0], X.shape[1], -1)


def _forward_args(func, X, gamma, beta, eps, ndim, layout):
    X = checks.array(func, "X", X, ndim=ndim, shape=layout)
    if X.shape[0] < 2 and (ndim == 2 or X.shape[2] * X.shape[3] < 2):
        raise ValueError(f"{func}: X has a single value per feature (shape {X.shape}): its "
                         f"batch variance is 0 and the normalized output all 0; use a batch "
                         f"of at least 2")
    C = X.shape[1]
    gamma = checks.array(func, "gamma", gamma, ndim=1, shape=f"[{C}]", dtype=X.dtype)
    beta = checks.array(func, "beta", beta, ndim=1, shape=f"[{C}]", dtype=X.dtype)
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p.shape != (C,):
            raise ValueError(f"{func}: {name} has shape {p.shape} but X has {C} features "
                             f"(axis 1 of {layout}), so {name} must be [{C}]")
    eps = checks.number(func, "eps", eps, low=0.0, low_open=True)
    return X, gamma, beta, X.dtype.type(eps)


def _backward_args(func, dY, X_hat, inv_std, gamma, ndim, layout):
    X_hat = checks.array(func, "X_hat", X_hat, ndim=ndim, shape=layout)
    dY = checks.array(func, "dY", dY, ndim=ndim, shape=layout, dtype=X_hat.dtype)
    if dY.shape != X_hat.shape:
        raise ValueError(f"{func}: dY has shape {dY.shape} but X_hat has {X_hat.shape} (dY is "
                         f"dL/dY, shaped like the forward's output)")
    C = X_hat.shape[1]
    inv_std = checks.array(func, "inv_std", inv_std, ndim=1, shape=f"[{C}]", dtype=X_hat.dtype)
    gamma = checks.array(func, "gamma", gamma, ndim=1, shape=f"[{C}]", dtype=X_hat.dtype)
    for name, p in (("inv_std", inv_std), ("gamma", gamma)):
        if p.shape != (C,):
            raise ValueError(f"{func}: {name} has shape {p.shape} but X_hat has {C} features, "
                             f"so {name} must be [{C}]")
    if np.any(inv_std <= 0):
        raise ValueError(f"{func}: inv_std must be positive (1 / sqrt(var + eps), as the "
                         f"forward returns it)")
    return dY, X_hat, inv_std, gamma


def batchnorm_forward(X, gamma, beta, eps=1e-5):
    """Training-time batch norm of X[N, F] with the batch's statistics, per feature.

    Returns (Y[N, F], X_hat[N, F], inv_std[F]): the output, the normalized input and
    1 / sqrt(var + eps), which is what batchnorm_backward needs. gamma[F], beta[F].
    """
    X, gamma, beta, eps = _forward_args("batchnorm_forward", X, gamma, beta, eps, 2, "[N, F]")
    Y, X_hat, inv_std = _bn_forward_kernel(_as3d(X), gamma, beta, eps)
    return Y.reshape(X.shape), X_hat.reshape(X.shape), inv_std


def batchnorm_backward(dY, X_hat, inv_std, gamma):
    """(dX[N, F], dgamma[F], dbeta[F]) from dY[N, F] = dL/dY and the forward's X_hat, inv_std."""
    dY, X_hat, inv_std, gamma = _backward_args("batchnorm_backward", dY, X_hat, inv_std,
                                               gamma, 2, "[N, F]")
    dX, dgamma, dbeta = _bn_backward_kernel(_as3d(dY), _as3d(X_hat), inv_std, gamma)
    return dX.reshape(dY.shape), dgamma, dbeta


def batchnorm2d_forward(X, gamma, beta, eps=1e-5):
    """Training-time batch norm of X[N, C, H, W], per channel (statistics over N, H, W).

    Returns (Y[N, C, H, W], X_hat[N, C, H, W], inv_std[C]); gamma[C], beta[C]. For Chapter 09's
    deeper CNNs.
    """
    X, gamma, beta, eps = _forward_args("batchnorm2d_forward", X, gamma, beta, eps, 4,
                                        "[N, C, H, W]")
    Y, X_hat, inv_std = _bn_forward_kernel(_as3d(X), gamma, beta, eps)
    return Y.reshape(X.shape), X_hat.reshape(X.shape), inv_std


def batchnorm2d_backward(dY, X_hat, inv_std, gamma):
    """(dX[N, C, H, W], dgamma[C], dbeta[C]) from dY = dL/dY and the forward's X_hat, inv_std."""
    dY, X_hat, inv_std, gamma = _backward_args("batchnorm2d_backward", dY, X_hat, inv_std,
                                               gamma, 4, "[N, C, H, W]")
    dX, dgamma, dbeta = _bn_backward_kernel(_as3d(dY), _as3d(X_hat), inv_std, gamma)
    return dX.reshape(dY.shape), dgamma, dbeta
