"""NumPy twins: Chapter 05, Toward Deep Learning: batch normalization, forward and backward."""
import numpy as np


def _axes(X):
    return (0,) if X.ndim == 2 else (0, 2, 3)


def _per_feature(v, X):
    return v if X.ndim == 2 else v[None, :, None, None]


def batchnorm_forward(X, gamma, beta, eps=1e-5):
    """Chapter 05. (Y, X_hat, inv_std): normalize each feature with the batch's mean and
    biased variance, then scale by gamma and shift by beta."""
    axes = _axes(X)
    mu = X.mean(axis=axes, keepdims=True)
    var = X.var(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mu) * inv_std
    Y = _per_feature(gamma, X) * X_hat + _per_feature(beta, X)
    return Y.astype(X.dtype), X_hat.astype(X.dtype), inv_std.reshape(-1).astype(X.dtype)


def batchnorm_backward(dY, X_hat, inv_std, gamma):
    """Chapter 05. dx = gamma inv_std (dy - mean(dy) - x_hat mean(dy x_hat)), per feature."""
    axes = _axes(dY)
    dbeta = dY.sum(axis=axes)
    dgamma = (dY * X_hat).sum(axis=axes)
    M = dY.size // dY.shape[1]
    k = _per_feature(gamma * inv_std, dY)
    dX = k * (dY - _per_feature(dbeta, dY) / M - X_hat * _per_feature(dgamma, dY) / M)
    return dX.astype(dY.dtype), dgamma.astype(dY.dtype), dbeta.astype(dY.dtype)


batchnorm2d_forward = batchnorm_forward
batchnorm2d_backward = batchnorm_backward
