"""NumPy twin: Chapter 14, The Transformer: layer normalization."""
import numpy as np


def layer_norm_forward(X, gamma, beta, eps=1e-5):
    """Chapter 14. gamma * (x - mean) / sqrt(var + eps) + beta over the last axis."""
    mu = X.mean(axis=-1, keepdims=True)
    var = ((X - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta


def layer_norm_backward(X, gamma, dY, eps=1e-5):
    """Chapter 14. dX = inv (g - mean(g) - x_hat mean(g x_hat)), g = dY gamma."""
    mu = X.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(((X - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    xhat = (X - mu) * inv
    g = dY * gamma
    dX = inv * (g - g.mean(axis=-1, keepdims=True)
                - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    rows = tuple(range(X.ndim - 1))
    return dX, (dY * xhat).sum(axis=rows), dY.sum(axis=rows)
