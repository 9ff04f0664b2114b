"""Chapter 01, The Perceptron: the Rosenblatt perceptron and its learning rule.

Convention (Ekman, ch. 1): every row of X starts with the bias input x0 = 1, so w[0] is the
bias weight; the output is +1 when z = w.x >= 0 and -1 otherwise (the book's NumPy snippet
uses np.sign, which returns 0 at z = 0: that is the erratum we avoid).

The compiled loops are the `_..._kernel` functions; the public functions without the prefix
check their input first, because a kernel trusts it (a short `order` would read past X).
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry

_F = "perceptron"


# inline="always": Numba pastes these two helpers into the loops below; left as calls they
# cost about 2x on a 10^6-sample epoch (measured), and the loops read better with them.
@njit(cache=True, inline="always")
def _perceptron_output(w, x):
    """The perceptron's output for one input row x[d]: sign(w . x) with z >= 0 -> +1."""
    z = 0.0
    for j in range(x.shape[0]):
        z += w[j] * x[j]
    return 1.0 if z >= 0.0 else -1.0


@njit(cache=True, inline="always")
def _perceptron_step(w, x, target, lr):
    """The learning rule for one example: if the output is wrong, w += target * lr * x."""
    if _perceptron_output(w, x) == target:
        return False
    for j in range(x.shape[0]):
        w[j] += target * lr * x[j]
    return True


@njit(cache=True)
def _perceptron_predict_kernel(w, X):
    y = np.empty(X.shape[0], dtype=w.dtype)
    for i in range(X.shape[0]):
        y[i] = _perceptron_output(w, X[i])
    return y


@njit(cache=True)
def _perceptron_epoch_kernel(w, X, y, order, lr):
    n_updates = 0
    for i in order:
        if _perceptron_step(w, X[i], y[i], lr):
            n_updates += 1
    return n_updates


@njit(cache=True)
def _perceptron_train_kernel(w, X, y, orders, lr, history):
    """Epochs until one makes no update; history[k] = w after the k-th update (row 0: start)."""
    history[0] = w
    k = 0
    for epoch in range(orders.shape[0]):
        errors = 0
        for i in orders[epoch]:
            if _perceptron_step(w, X[i], y[i], lr):
                errors += 1
                k += 1
                if k < history.shape[0]:
                    history[k] = w
        if errors == 0:
            return epoch + 1, k, True
    return orders.shape[0], k, False


def _check_wX(func, w, X):
    X = checks.array(func, "X", X, ndim=2, shape="[n, d] (column 0 is the bias input 1)")
    if w.shape[0] != X.shape[1]:
        raise ValueError(
            f"{func}: w has {w.shape[0]} weights but X has {X.shape[1]} columns "
            f"(X is [n, d] with the bias input x0 = 1 in column 0, w is [d])"
        )
    return X


def perceptron_predict(w, X):
    """Outputs y[n] in {-1, +1} of the perceptron w[d] on X[n, d]; z >= 0 gives +1."""
    w = checks.array("perceptron_predict", "w", w, ndim=1, shape="[d]")
    X = _check_wX("perceptron_predict", w, X).astype(w.dtype, copy=False)
    return _perceptron_predict_kernel(w, X)


@registry.course_kernel
def perceptron_epoch(w, X, y, order, lr):
    """One pass of the perceptron rule over X[order]; updates w[d] in place.

    For each i in order: if the output for X[i] is wrong, w += y[i] * lr * X[i].
    Returns the number of updates (0 means the pass was error-free).
    """
    f = "perceptron_epoch"
    w = checks.inplace(f, "w", w, ndim=1, shape="[d]")
    X = _check_wX(f, w, X).astype(w.dtype, copy=False)
    y = checks.labels_pm1(f, "y", y, n=X.shape[0], dtype=w.dtype)
    order = checks.indices(f, "order", order, upper=X.shape[0], shape="[k] (row indices)")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    if registry.swapped(f):
        return registry.run(f, (w, X, y, order, lr), [("n_updates", int)], w.dtype)
    return _perceptron_epoch_kernel(w, X, y, order, lr)


def perceptron_train(w, X, y, orders, lr, max_history=10_000):
    """Run epochs over orders[E, n] until one is error-free; updates w in place.

    Returns (n_epochs, converged, history[k + 1, d]): history[0] is the starting w and
    history[k] the weights after the k-th update (kept up to `max_history` updates), which is
    what the decision-boundary widget replays one update at a time.
    """
    f = "perceptron_train"
    w = checks.inplace(f, "w", w, ndim=1, shape="[d]")
    X = _check_wX(f, w, X).astype(w.dtype, copy=False)
    y = checks.labels_pm1(f, "y", y, n=X.shape[0], dtype=w.dtype)
    orders = checks.indices(f, "orders", orders, upper=X.shape[0], ndim=2,
                              shape="[epochs, k] (one row of indices per epoch)")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    max_history = checks.number(f, "max_history", max_history, low=1, integer=True)
    history = np.empty((max_history + 1, w.shape[0]), dtype=w.dtype)
    n_epochs, n_updates, converged = _perceptron_train_kernel(w, X, y, orders, lr, history)
    return n_epochs, bool(converged), history[: min(n_updates, max_history) + 1].copy()
