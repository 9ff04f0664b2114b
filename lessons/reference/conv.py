"""NumPy twins: Chapter 07, Convolution: convolution, one output position at
a time. X[N, C, H, W], K[F, C, kh, kw], b[F]; Xp is X with `pad` zeros on every side. Each
output position (i, j) reads the window Xp[:, :, i*s:i*s+kh, j*s:j*s+kw]; the backward
sends dY[:, :, i, j] back through that same window."""
import numpy as np


def _pad_spatial(X, pad):
    return np.pad(X, [(0, 0), (0, 0)] + [(pad, pad)] * (X.ndim - 2))


def conv2d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i, j] = b[f] + sum of K[f] * (the window of output (i, j) in Xp[n])."""
    Xp = _pad_spatial(X, pad)
    F, _, kh, kw = K.shape
    OH, OW = (Xp.shape[2] - kh) // stride + 1, (Xp.shape[3] - kw) // stride + 1
    Y = np.empty((X.shape[0], F, OH, OW), dtype=np.result_type(X, K, b))
    for i in range(OH):
        for j in range(OW):
            window = Xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            Y[:, :, i, j] = np.tensordot(window, K, axes=([1, 2, 3], [1, 2, 3])) + b
    return Y


def conv2d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db): every window gets dY[:, :, i, j] @ K back, every kernel
    weight the sum over images and positions of dY times the input it multiplied."""
    Xp = _pad_spatial(X, pad)
    kh, kw = K.shape[2:]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        for j in range(dY.shape[3]):
            rows, cols = slice(i * stride, i * stride + kh), slice(j * stride, j * stride + kw)
            g = dY[:, :, i, j]  # [N, F]
            dK += np.tensordot(g, Xp[:, :, rows, cols], axes=([0], [0]))
            dXp[:, :, rows, cols] += np.tensordot(g, K, axes=([1], [0]))
    H, W = X.shape[2:]
    return dXp[:, :, pad:pad + H, pad:pad + W], dK, dY.sum(axis=(0, 2, 3))


def conv1d_forward(X, K, b, stride=1, pad=0):
    """Chapter 07. Y[n, f, i] = b[f] + sum of K[f] * Xp[n, :, i*s:i*s+k]: Weidman's 1D loop."""
    Xp = _pad_spatial(X, pad)
    F, _, k = K.shape
    L_out = (Xp.shape[2] - k) // stride + 1
    Y = np.empty((X.shape[0], F, L_out), dtype=np.result_type(X, K, b))
    for i in range(L_out):
        Y[:, :, i] = np.tensordot(Xp[:, :, i * stride:i * stride + k], K,
                                  axes=([1, 2], [1, 2])) + b
    return Y


def conv1d_backward(X, K, dY, stride=1, pad=0):
    """Chapter 07. (dX, dK, db) of the 1D convolution, one output position at a time."""
    Xp = _pad_spatial(X, pad)
    k = K.shape[2]
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(dY.shape[2]):
        span = slice(i * stride, i * stride + k)
        dK += np.tensordot(dY[:, :, i], Xp[:, :, span], axes=([0], [0]))
        dXp[:, :, span] += np.tensordot(dY[:, :, i], K, axes=([1], [0]))
    return dXp[:, :, pad:pad + X.shape[2]], dK, dY.sum(axis=(0, 2))
