"""Chapter 11, LSTM, GRU and Text (Ekman, Chapter 12's word embeddings, used on characters): an
embedding layer, a table E[V, d] of one learned row per symbol.

    forward:   Y[..., :] = E[ids[...], :]            (a row lookup)
    backward:  dE[v] = sum of dY[p] over every position p with ids[p] = v   (a scatter-add)

The lookup is the product one_hot(ids) @ E with the zeros skipped, and the scatter-add is that
product's weight gradient one_hot(ids)^T @ dY: an embedding layer is a dense layer on one-hot
input, computed without building the one-hot matrix.

The scatter-add visits the positions in row-major order of ids, one at a time, so every row of
dE sums its contributions in the same order on every CPU (no atomics, no threads).
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _embedding_forward_kernel(ids, E):
    Y = np.empty((ids.shape[0], E.shape[1]), dtype=E.dtype)
    for p in range(ids.shape[0]):
        Y[p] = E[ids[p]]
    return Y


@njit(cache=True)
def _embedding_backward_kernel(ids, dY, V):
    dE = np.zeros((V, dY.shape[1]), dtype=dY.dtype)
    for p in range(ids.shape[0]):  # in order: position 0 first, then 1, ...
        v = ids[p]
        for j in range(dY.shape[1]):
            dE[v, j] += dY[p, j]
    return dE


def _ids(func, ids, V):
    flat = checks.indices(func, "ids", np.reshape(ids, -1) if np.ndim(ids) else ids,
                          upper=V, shape="[...] of integer symbols")
    return flat, np.shape(ids)


def embedding_forward(ids, E):
    """Y[..., d] = E[ids]: the row of E[V, d] for each integer symbol in ids (any shape, for
    example [T, B]); Y has shape ids.shape + (d,)."""
    f = "embedding_forward"
    E = checks.array(f, "E", E, ndim=2, shape="[V, d] (one row per symbol)")
    flat, shape = _ids(f, ids, E.shape[0])
    return _embedding_forward_kernel(flat, E).reshape(shape + (E.shape[1],))


def embedding_backward(ids, dY, V):
    """dE[V, d]: the gradient of the table, each row the sum of dY[..., d] over the positions
    that looked it up (rows no symbol used stay zero), added in the order of ids."""
    f = "embedding_backward"
    V = checks.number(f, "V", V, low=1, integer=True)
    flat, shape = _ids(f, ids, V)
    dY = checks.array(f, "dY", dY, ndim=len(shape) + 1, shape="ids.shape + (d,)")
    if dY.shape[:-1] != shape:
        raise ValueError(f"{f}: dY has shape {dY.shape} but ids has {shape}: dY must be "
                         f"ids.shape + (d,), like the forward's output")
    return _embedding_backward_kernel(flat, np.ascontiguousarray(dY).reshape(len(flat), -1), V)
