"""Convolution by im2col in plain NumPy: the method of Weidman's NumPy code (and of the Numba
kernels), vectorised, for the benchmarks' "NumPy im2col" rows. Stride 1 only.

The lessons' NumPy twins (lessons.reference) loop over output positions instead: they are
written to be read next to the formulas, not to be fast. This is the fast NumPy baseline.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_forward(X, K, b, pad):
    """(Y[N, F, OH, OW], cols[N*OH*OW, C*kh*kw]): one product over the whole batch."""
    N = X.shape[0]
    F, C, kh, kw = K.shape
    Xp = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(Xp, (kh, kw), axis=(2, 3))  # [N, C, OH, OW, kh, kw]
    OH, OW = windows.shape[2:4]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * OH * OW, C * kh * kw)
    Y = (cols @ K.reshape(F, -1).T).reshape(N, OH, OW, F).transpose(0, 3, 1, 2)
    return Y + b[None, :, None, None], cols


def conv_backward(x_shape, K, cols, dY, pad, input_grad=True):
    """(dX or None, dK, db) from the forward's columns; col2im adds one kernel offset at a
    time (kh * kw slice additions)."""
    N, C, H, W = x_shape
    F, _, kh, kw = K.shape
    OH, OW = dY.shape[2:]
    rows = dY.transpose(0, 2, 3, 1).reshape(N * OH * OW, F)
    dK = (rows.T @ cols).reshape(K.shape)
    db = rows.sum(axis=0)
    if not input_grad:
        return None, dK, db
    dcols = (rows @ K.reshape(F, -1)).reshape(N, OH, OW, C, kh, kw)
    dXp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dY.dtype)
    for u in range(kh):
        for v in range(kw):
            dXp[:, :, u:u + OH, v:v + OW] += dcols[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    return dXp[:, :, pad:pad + H, pad:pad + W], dK, db
