"""Chapter 06, Regression and Regularization (Chollet 3.4-3.5): a dense layer on multi-hot
words, computed from the word ids instead of the 10,000-wide vector of zeros and ones.

A passage is the set of its distinct words, ids[B, L]: row r lists the word ids of passage r
(each at most once), padded at its end with -1. Its multi-hot vector x[V] has x[k] = 1 for
each listed k and 0 elsewhere, so the dense layer's product is a sum of rows of W[V, n]:

    forward:   Z[r] = b + sum over the listed k of W[k]          (= x W + b)
    backward:  dW[k] = sum over the passages r that list k of dZ[r]   (= X^T dZ)
               db    = sum over r of dZ[r]

A passage of 60 words touches 60 of W's 10,000 rows: the product skips the 99.4 % of terms
that multiply a zero, and the 10,000-wide X is never built (15,000 passages would take
1.2 GB in float64). Rows of W that no passage of the batch lists get a zero gradient, as in
the dense product.

The sums run over the listed ids in order, one row at a time, and the innermost loop is over
the n output units, so it vectorizes without reordering any sum: every CPU adds the same
terms in the same order and computes the same bits.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _multi_hot_forward_kernel(ids, W, b):
    B, L = ids.shape
    n = W.shape[1]
    Z = np.empty((B, n), dtype=W.dtype)
    for r in range(B):
        for j in range(n):
            Z[r, j] = b[j]
        for p in range(L):
            k = ids[r, p]
            if k < 0:  # padding: the passage's words have all been added
                break
            for j in range(n):
                Z[r, j] += W[k, j]
    return Z


@njit(cache=True)
def _multi_hot_param_grads_kernel(ids, dZ, V):
    B, L = ids.shape
    n = dZ.shape[1]
    dW = np.zeros((V, n), dtype=dZ.dtype)
    db = np.zeros(n, dtype=dZ.dtype)
    for r in range(B):  # in order: passage 0 first, then 1, ...
        for j in range(n):
            db[j] += dZ[r, j]
        for p in range(L):
            k = ids[r, p]
            if k < 0:
                break
            for j in range(n):
                dW[k, j] += dZ[r, j]
    return dW, db


def check_ids(func, ids, V):
    """ids[B, L] as int64: word ids in [0, V), each row's ids distinct, -1 only as padding
    after a row's last word (a multi-hot vector has each word once)."""
    where = f"{func}: ids"
    if ids is None:
        raise TypeError(f"{where} is None; expected [B, L] integer word ids")
    ids = np.asarray(ids)
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{where} must hold integer word ids, got dtype {ids.dtype}")
    if ids.ndim != 2 or ids.size == 0:
        raise ValueError(f"{where} must be a non-empty 2-D [B, L] array (word ids, -1 after "
                         f"a row's last), got shape {ids.shape}")
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if ids.min() < -1 or ids.max() >= V:
        raise ValueError(f"{where} must hold word ids 0..{V - 1} (or -1 for padding), got "
                         f"values in [{ids.min()}, {ids.max()}]")
    pad = ids < 0
    if np.any(pad[:, :-1] & ~pad[:, 1:]):
        raise ValueError(f"{where}: -1 is padding and must come after a row's last word id")
    s = np.sort(ids, axis=1)
    if np.any((s[:, 1:] == s[:, :-1]) & (s[:, 1:] >= 0)):
        raise ValueError(f"{where}: a row lists a word id twice (a multi-hot vector holds "
                         f"each word once)")
    return ids


def multi_hot_forward(ids, W, b):
    """Z[B, n] = multi_hot(ids) @ W + b for word ids[B, L] (-1 = padding), W[V, n], b[n]."""
    f = "multi_hot_forward"
    W = checks.array(f, "W", W, ndim=2, shape="[V, n] (one row per word)")
    b = checks.array(f, "b", b, ndim=1, shape="[n]", dtype=W.dtype)
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"{f}: b has {b.shape[0]} entries but W has {W.shape[1]} columns")
    return _multi_hot_forward_kernel(check_ids(f, ids, W.shape[0]), W, b)


def multi_hot_backward(ids, dZ, V):
    """(dW[V, n], db[n]): the gradients of multi_hot_forward for dZ[B, n] = dL/dZ, each row
    of dW the sum of dZ over the passages that list that word, added in row order."""
    f = "multi_hot_backward"
    V = checks.number(f, "V", V, low=1, integer=True)
    ids = check_ids(f, ids, V)
    dZ = checks.array(f, "dZ", dZ, ndim=2, shape="[B, n]")
    if dZ.shape[0] != ids.shape[0]:
        raise ValueError(f"{f}: dZ has {dZ.shape[0]} rows but ids has {ids.shape[0]} "
                         f"(one row per passage)")
    return _multi_hot_param_grads_kernel(ids, dZ, V)
