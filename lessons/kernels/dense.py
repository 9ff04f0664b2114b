"""Chapter 03, Sigmoid Neurons and Backpropagation: the fully connected (dense) layer.

Forward: Z = X W + b with X[B, n_in] (one example per row), W[n_in, n_out], b[n_out].
Backward, for the upstream gradient dZ = dL/dZ[B, n_out]:
    dX = dZ W^T    (each input collects the errors of every neuron it feeds, times the weight:
                    Ekman's "sum the weighted errors from all downstream neurons")
    dW = X^T dZ    (weight w_kj moves by its input x_k times the error of the neuron j it feeds)
    db = sum over the batch of dZ   (the bias input is 1)
Gradients are summed over the batch, not averaged: a loss that averages (softmax cross-entropy)
already put the 1/B into dZ.

Why `@` and not three explicit loops: at B = 32 and 128, 784 -> 256, float32, the matrix
products call BLAS and were 3x faster than the best loop nest (forward) and about 15x faster
(backward, whose dX loop is a reduction LLVM does not vectorize without fastmath), measured
on this course's 2-core machines. `@` inside @njit needs SciPy installed.

The kernels contain no `prange`, so BLAS may use its own threads here; a training loop that
calls them from a parallel region, or on tiny matrices, should pin BLAS to one thread
(threadpoolctl.threadpool_limits(1)).
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry

_LAYOUT = "(X is [B, n_in], W is [n_in, n_out], b is [n_out])"


@njit(cache=True)
def _dense_forward_kernel(X, W, b):
    Z = X @ W
    Z += b
    return Z


@njit(cache=True)
def _dense_param_grads_kernel(X, dZ):
    """(dW, db) alone: all a first layer needs, since dL/dX of the data is never used."""
    dW = X.T @ dZ
    db = np.zeros(dZ.shape[1], dtype=dZ.dtype)
    for i in range(dZ.shape[0]):
        db += dZ[i]
    return dW, db


@njit(cache=True)
def _dense_backward_kernel(X, W, dZ):
    dW, db = _dense_param_grads_kernel(X, dZ)
    return dZ @ W.T, dW, db


@njit(cache=True)
def _sgd_step_kernel(param, grad, lr):
    for i in range(param.shape[0]):
        param[i] -= lr * grad[i]


def _check_XW(func, X, W):
    X = checks.array(func, "X", X, ndim=2, shape="[B, n_in]")
    W = checks.array(func, "W", W, ndim=2, shape="[n_in, n_out]")
    if W.shape[0] != X.shape[1]:
        raise ValueError(
            f"{func}: W has {W.shape[0]} input rows but X has {X.shape[1]} columns {_LAYOUT}"
        )
    return X, W


def dense_forward(X, W, b):
    """Z[B, n_out] = X[B, n_in] @ W[n_in, n_out] + b[n_out]: every neuron's weighted sum.

    The result is float32 when all inputs are float32, float64 otherwise.
    """
    f = "dense_forward"
    X, W = _check_XW(f, X, W)
    b = checks.array(f, "b", b, ndim=1, shape="[n_out]")
    if b.shape[0] != W.shape[1]:
        raise ValueError(
            f"{f}: b has {b.shape[0]} entries but W has {W.shape[1]} columns (neurons) {_LAYOUT}"
        )
    dtype = np.result_type(X, W, b)
    return _dense_forward_kernel(*(a.astype(dtype, copy=False) for a in (X, W, b)))


@registry.course_kernel
def dense_backward(X, W, dZ):
    """Gradients (dX[B, n_in], dW[n_in, n_out], db[n_out]) from the upstream dZ[B, n_out].

    X and W are the forward pass's inputs; b is not needed (it does not affect any gradient).
    """
    f = "dense_backward"
    X, W = _check_XW(f, X, W)
    dZ = checks.array(f, "dZ", dZ, ndim=2, shape="[B, n_out]")
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(
            f"{f}: dZ has shape {dZ.shape} but the layer's output Z is "
            f"{(X.shape[0], W.shape[1])} (dZ is [B, n_out], one row per row of X, "
            f"one column per column of W)"
        )
    dtype = np.result_type(X, W, dZ)
    X, W, dZ = (a.astype(dtype, copy=False) for a in (X, W, dZ))
    if registry.swapped(f):
        return registry.run(f, (X, W, dZ), [("dX", X.shape), ("dW", W.shape),
                                            ("db", (W.shape[1],))], dtype)
    return _dense_backward_kernel(X, W, dZ)


def sgd_step(param, grad, lr):
    """Plain gradient descent, in place: param -= lr * grad (Chapter 02's update rule).

    param: a float32/float64 C-contiguous array of any shape (W or b), updated in place;
    grad: the same shape. Returns None, like every in-place NumPy operation.
    """
    f = "sgd_step"
    param = checks.inplace(f, "param", param, ndim=None, shape="(W or b)")
    grad = checks.like(f, "grad", grad, param, "param")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    _sgd_step_kernel(param.reshape(-1), grad.reshape(-1), lr)
