"""Chapter 02, Gradient-Based Learning: minibatch gradient descent on a linear model.

Model yhat = X w (column 0 of X is the bias input 1), loss L = mean_i (yhat_i - y_i)^2,
gradient dL/dw = (2 / b) X_b^T (yhat_b - y_b) over a minibatch b. One kernel covers the three
variants of Tavenard's Algorithms 1-2: batch_size = n is (full-batch) gradient descent,
batch_size = 1 is stochastic gradient descent, anything between is minibatch SGD.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks


@njit(cache=True)
def _linear_mse_epoch_kernel(w, X, y, order, batch_size, lr):
    n, d = order.shape[0], X.shape[1]
    grad = np.zeros(d, dtype=w.dtype)
    loss_sum = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        grad[:] = 0.0
        for k in range(start, stop):
            i = order[k]
            residual = -y[i]
            for j in range(d):
                residual += w[j] * X[i, j]
            loss_sum += residual * residual
            for j in range(d):
                grad[j] += 2.0 * residual * X[i, j]
        for j in range(d):  # the step uses the minibatch *mean* gradient
            w[j] -= lr * grad[j] / (stop - start)
    return loss_sum / n


def linear_mse_epoch(w, X, y, order, batch_size, lr):
    """One epoch of minibatch gradient descent on mean squared error; updates w[d] in place.

    X[n, d] (bias column included), y[n], order[k]: the rows visited, in minibatches of
    `batch_size`. Returns the mean squared error of the examples *as they were visited*
    (each measured before its minibatch's step), the running loss every training loop prints.
    """
    f = "linear_mse_epoch"
    w = checks.inplace(f, "w", w, ndim=1, shape="[d]")
    X = checks.array(f, "X", X, ndim=2, shape="[n, d]", dtype=w.dtype)
    if X.shape[1] != w.shape[0]:
        raise ValueError(f"{f}: w has {w.shape[0]} weights but X has {X.shape[1]} columns")
    y = checks.array(f, "y", y, ndim=1, shape=f"[{X.shape[0]}]", dtype=w.dtype)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{f}: y has {y.shape[0]} targets but X has {X.shape[0]} rows")
    order = checks.indices(f, "order", order, upper=X.shape[0])
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    with np.errstate(over="ignore", invalid="ignore"):  # a divergent lr shows as inf, not a crash
        return _linear_mse_epoch_kernel(w, X, y, order, batch_size, lr)
