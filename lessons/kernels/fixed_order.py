"""Products and activations for the recurrent kernels (lessons.kernels.recurrent and
lessons.kernels.time_dense) that add in the order the code gives, on every CPU.

BLAS adds in an order that depends on the CPU, with fused multiply-adds where the CPU has
them; these loops run their innermost loop over output units, so it vectorizes without
reordering any sum, and a chapter's training prints the same digits everywhere.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def add_product(A, W, out):
    """out[R, n] += A[R, k] @ W[k, n], each entry summing over k in order.

    Four rows of A and four steps of k at a time: the innermost loop (over the n output
    columns, which vectorizes without reordering any sum) loads each W[k, :] once for four
    rows and each out[r, :] once for four terms, which keeps the loop on arithmetic rather
    than on loads and stores. Every out[r, j] still adds A[r, 0] W[0, j], A[r, 1] W[1, j], ...
    one after the other."""
    R, K = A.shape
    N = W.shape[1]
    K4 = K - K % 4
    r = 0
    while r + 4 <= R:
        for k in range(0, K4, 4):
            a00, a01, a02, a03 = A[r, k], A[r, k + 1], A[r, k + 2], A[r, k + 3]
            a10, a11, a12, a13 = A[r + 1, k], A[r + 1, k + 1], A[r + 1, k + 2], A[r + 1, k + 3]
            a20, a21, a22, a23 = A[r + 2, k], A[r + 2, k + 1], A[r + 2, k + 2], A[r + 2, k + 3]
            a30, a31, a32, a33 = A[r + 3, k], A[r + 3, k + 1], A[r + 3, k + 2], A[r + 3, k + 3]
            for j in range(N):
                w0, w1, w2, w3 = W[k, j], W[k + 1, j], W[k + 2, j], W[k + 3, j]
                out[r, j] = out[r, j] + a00 * w0 + a01 * w1 + a02 * w2 + a03 * w3
                out[r + 1, j] = out[r + 1, j] + a10 * w0 + a11 * w1 + a12 * w2 + a13 * w3
                out[r + 2, j] = out[r + 2, j] + a20 * w0 + a21 * w1 + a22 * w2 + a23 * w3
                out[r + 3, j] = out[r + 3, j] + a30 * w0 + a31 * w1 + a32 * w2 + a33 * w3
        for k in range(K4, K):
            a0, a1, a2, a3 = A[r, k], A[r + 1, k], A[r + 2, k], A[r + 3, k]
            for j in range(N):
                w = W[k, j]
                out[r, j] += a0 * w
                out[r + 1, j] += a1 * w
                out[r + 2, j] += a2 * w
                out[r + 3, j] += a3 * w
        r += 4
    for r in range(r, R):
        for k in range(K):
            a = A[r, k]
            for j in range(N):
                out[r, j] += a * W[k, j]


@njit(cache=True)
def add_outer(A, D, out):
    """out[k, n] += A[R, k]^T @ D[R, n]: a weight gradient, summing over the rows in order."""
    add_product(A.T, D, out)


@njit(cache=True)
def add_rows(D, out):
    """out[n] += the column sums of D[R, n]: a bias gradient."""
    for b in range(D.shape[0]):
        for j in range(D.shape[1]):
            out[j] += D[b, j]


@njit(cache=True)
def sigma_scalar(z):
    """1 / (1 + e^-z), from e^-|z| so that exp never overflows."""
    e = np.exp(-abs(z))
    d = 1.0 / (1.0 + e)
    return d if z >= 0.0 else e * d


@njit(cache=True)
def tanh_scalar(z):
    """tanh z = (1 - e^-2|z|) / (1 + e^-2|z|) with the sign of z: within 1e-16 of the
    library's tanh, whose slower algorithm took half the LSTM forward pass (measured)."""
    e = np.exp(-2.0 * abs(z))
    t = (1.0 - e) / (1.0 + e)
    return t if z >= 0.0 else -t
