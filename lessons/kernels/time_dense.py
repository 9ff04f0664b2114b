"""Chapter 10: a dense layer applied at every step of a sequence, H[T, B, n] @ V[n, m] + c,
with the fixed-order products of the recurrent kernels (Keras' TimeDistributed(Dense))."""
import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import add_outer, add_product, add_rows


@njit(cache=True)
def _time_dense_forward_kernel(H, V, c):
    T, B = H.shape[0], H.shape[1]
    Y = np.empty((T, B, V.shape[1]), dtype=V.dtype)
    for t in range(T):
        for i in range(B):
            Y[t, i] = c
        add_product(H[t], V, Y[t])
    return Y


@njit(cache=True)
def _time_dense_backward_kernel(H, V, dY):
    dH = np.zeros(H.shape, dtype=V.dtype)
    dV, dc = np.zeros_like(V), np.zeros(V.shape[1], dtype=V.dtype)
    VT = np.ascontiguousarray(V.T)
    for t in range(H.shape[0]):
        add_outer(H[t], dY[t], dV)
        add_rows(dY[t], dc)
        add_product(dY[t], VT, dH[t])
    return dH, dV, dc


def _time_dense_check(func, H, V):
    H = checks.array(func, "H", H, ndim=3, shape="[T, B, n]")
    V = checks.array(func, "V", V, ndim=2, shape="[n, k]")
    if V.shape[0] != H.shape[2]:
        raise ValueError(f"{func}: V has {V.shape[0]} rows but H has n = {H.shape[2]} units "
                         f"(H is [T, B, n], V is [n, k])")
    return H, V


def time_dense_forward(H, V, c):
    """Y[T, B, k] = H[t] @ V + c at every step t: the dense read-out of a recurrent layer
    (Keras' TimeDistributed(Dense)), with sums in a fixed order like the recurrent kernels."""
    f = "time_dense_forward"
    H, V = _time_dense_check(f, H, V)
    c = checks.array(f, "c", c, ndim=1, shape="[k]")
    if c.shape != (V.shape[1],):
        raise ValueError(f"{f}: c has {c.shape[0]} entries but V has {V.shape[1]} columns")
    dtype = np.result_type(H, V, c)
    return _time_dense_forward_kernel(H.astype(dtype, copy=False), V.astype(dtype, copy=False),
                                      c.astype(dtype, copy=False))


def time_dense_backward(H, V, dY):
    """(dH, dV, dc) from dY[T, B, k], given the forward's H and V."""
    f = "time_dense_backward"
    H, V = _time_dense_check(f, H, V)
    dY = checks.array(f, "dY", dY, ndim=3, shape="[T, B, k]")
    if dY.shape != H.shape[:2] + (V.shape[1],):
        raise ValueError(f"{f}: dY has shape {dY.shape}; it must be "
                         f"{H.shape[:2] + (V.shape[1],)} like the forward's output")
    dtype = np.result_type(H, V, dY)
    return _time_dense_backward_kernel(*(a.astype(dtype, copy=False) for a in (H, V, dY)))
