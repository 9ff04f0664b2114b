"""NumPy twins: Chapter 03, Sigmoid Neurons and Backpropagation: losses."""
import numpy as np


def half_sse(Y, T):
    """Chapter 03. (sum (t - y)^2 / 2, y - t)."""
    r = Y - T
    return float(np.sum(r * r) / 2), r


def binary_cross_entropy(P, T, eps=1e-7):
    """Chapter 03. Mean of -[t log p + (1 - t) log(1 - p)] with p clipped to [eps, 1 - eps]."""
    Q = np.clip(P, eps, 1 - eps)
    loss = -np.mean(T * np.log(Q) + (1 - T) * np.log(1 - Q))
    return float(loss), ((Q - T) / (Q * (1 - Q) * P.size)).astype(P.dtype)


def softmax(Z):
    """Chapter 03. Row-wise e^z / sum e^z, shifted by the row maximum."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def softmax_cross_entropy(Z, labels):
    """Chapter 03. Mean of -log softmax(z)[label] via log-sum-exp; dZ = (p - onehot) / B."""
    B = Z.shape[0]
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_sum - shifted[np.arange(B), labels])
    dZ = softmax(Z)
    dZ[np.arange(B), labels] -= 1
    return float(loss), dZ / B
