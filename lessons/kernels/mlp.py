"""Chapter 04, Multiclass Classification: the fused trainer.

Ekman's digit classifier, one function per pass over the data, for any layer sizes
(the book's is n_in = 784, n_hidden = 25, n_out = 10):

    W1[n_hidden, n_in + 1], W2[n_out, n_hidden + 1]   column 0 of each holds the bias weights
    x[n_in]   one example WITHOUT the bias input: the kernels put the 1 in front themselves,
              so a standardized X[n, 784] is used as it is (no 60,000 x 785 copy)
    h = tanh(W1 [1; x])                hidden layer
    o = logistic(W2 [1; h])            output layer, one neuron per class
    e = sum (t - o)^2 / 2              half sum of squared errors against the one-hot t

Backward pass (Appendix F, Snippet F-1), with the hidden error taken BEFORE W2 changes:

    do = -(t - o) o (1 - o)
    dh = (1 - h^2) * (W2[:, 1:]^T do)
    W1 -= lr outer(dh, [1; x]);   W2 -= lr outer(do, [1; h])

A prediction is argmax(o), the book's decoding; argmax(t) is the label.

Speed: the per-example loop is sequential by nature (each example sees the weights the
previous one left), so there is no prange here. Its cost is sweeping W1: every example must
read and rewrite all n_hidden x (n_in + 1) weights, and the kernel does that in one sweep
(W1's update fused with the next example's hidden layer, see _step_then_hidden). float32
halves the memory each sweep moves and is about twice as fast as float64.

Portable sums: the kernels work on a transposed copy W1t = W1^T [n_in + 1, n_hidden] (made
at the start of a call, written back at the end: 78 kB, nothing beside an epoch), so that
the SIMD lanes are different hidden neurons, each adding up its own inputs in order
k = 0, 1, 2, ... Every CPU then adds in the same order, SSE to AVX-512 or ARM, and computes
the same bits. (An earlier version summed along a row of W1 and let the compiler reorder
the sum to vectorize it, fastmath's "reassoc": the order then followed the width of the
vector registers, and one epoch's accuracy differed in the 4th decimal between an Intel and
an AMD machine, as training amplifies a last-bit difference.) No "contract" either: a fused
multiply-add rounds once where a separate multiply and add round twice, and not every CPU
has one.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import sigma_scalar, tanh_scalar

LAYOUT = ("(W1 is [n_hidden, n_in + 1], W2 is [n_out, n_hidden + 1] with the bias weights in "
           "column 0; X is [n, n_in] without a bias column; T is [n, n_out] one-hot)")


@njit(cache=True, inline="always")
def affine_in_order(W1t, x, z):
    """z = W1 [1; x] from W1t = W1^T, written into z.

    Neuron j's sum starts at its bias W1t[0, j] and adds w_kj x_k for k = 0, 1, ... in order;
    the inner loop runs over the neurons, which the compiler packs into SIMD lanes.
    """
    for j in range(z.shape[0]):
        z[j] = W1t[0, j]
    for k in range(x.shape[0]):
        for j in range(z.shape[0]):
            z[j] += W1t[k + 1, j] * x[k]


@njit(cache=True, inline="always")
def _hidden_layer(W1t, x, h):
    """h = tanh(W1 [1; x]) from W1t = W1^T, written into h."""
    affine_in_order(W1t, x, h)
    for j in range(h.shape[0]):
        h[j] = tanh_scalar(h[j])


@njit(cache=True, inline="always")
def _output_layer(W2, h, o):
    """o = logistic(W2 [1; h]), written into o (n_hidden terms per sum, added in order)."""
    for j in range(W2.shape[0]):
        z = W2[j, 0]
        for k in range(h.shape[0]):
            z += W2[j, k + 1] * h[k]
        o[j] = sigma_scalar(z)  # lessons.kernels.fixed_order: the same bits on every CPU


@njit(cache=True, inline="always")
def argmax_index(v):
    """Index of the largest entry, the first one on a tie (as np.argmax)."""
    best = 0
    for k in range(1, v.shape[0]):
        if v[k] > v[best]:
            best = k
    return best


@njit(cache=True, inline="always")
def _backward_one(W2, h, o, t, dh, do):
    """The error terms do = -(t - o) o (1 - o) and dh = (1 - h^2) (W2[:, 1:]^T do)."""
    for j in range(o.shape[0]):
        do[j] = -(t[j] - o[j]) * o[j] * (1.0 - o[j])
    for k in range(h.shape[0]):
        s = 0.0  # a float64 sum of n_out terms, rounded to the weights' dtype when stored
        for j in range(o.shape[0]):
            s += W2[j, k + 1] * do[j]
        dh[k] = (1.0 - h[k] * h[k]) * s


@njit(cache=True, inline="always")
def _outer_step(W, lr, d, a):
    """W -= lr outer(d, [1; a]): each neuron j moves its weights by its error times its inputs."""
    for j in range(W.shape[0]):
        W[j, 0] -= lr * d[j]
        for k in range(a.shape[0]):
            W[j, k + 1] -= lr * (d[j] * a[k])


@njit(cache=True, inline="always")
def _outer_step_t(Wt, lr, d, a):
    """The same step on a transposed Wt = W^T: Wt -= lr outer([1; a], d)."""
    for j in range(d.shape[0]):
        Wt[0, j] -= lr * d[j]
    for k in range(a.shape[0]):
        for j in range(d.shape[0]):
            Wt[k + 1, j] -= lr * (d[j] * a[k])


@njit(cache=True, inline="always")
def _step_then_hidden(W1t, lr, dh, x_seen, x_next, h):
    """W1 -= lr outer(dh, [1; x_seen]), then h = tanh(W1 [1; x_next]), in ONE sweep over W1t.

    The same arithmetic as _outer_step_t followed by _hidden_layer: each weight is updated
    and at once multiplied into the next example's sum. W1 (78 kB in float32) does not fit
    in the L1 cache, so reading it once per example instead of twice saved about a quarter
    of the epoch's time here.
    """
    for j in range(h.shape[0]):
        W1t[0, j] -= lr * dh[j]
        h[j] = W1t[0, j]
    for k in range(x_seen.shape[0]):
        for j in range(h.shape[0]):
            w = W1t[k + 1, j] - lr * (dh[j] * x_seen[k])
            W1t[k + 1, j] = w
            h[j] += w * x_next[k]
    for j in range(h.shape[0]):
        h[j] = tanh_scalar(h[j])


@njit(cache=True, inline="always")
def _outer_add_t(Gt, d, a):
    """Gt += outer([1; a], d): one example's gradient added to a minibatch's sum (transposed)."""
    for j in range(d.shape[0]):
        Gt[0, j] += d[j]
    for k in range(a.shape[0]):
        for j in range(d.shape[0]):
            Gt[k + 1, j] += d[j] * a[k]


@njit(cache=True, inline="always")
def _outer_add(G, d, a):
    """G += outer(d, [1; a]): one example's gradient added to a minibatch's sum."""
    for j in range(G.shape[0]):
        G[j, 0] += d[j]
        for k in range(a.shape[0]):
            G[j, k + 1] += d[j] * a[k]


@njit(cache=True, inline="always")
def _mean_step(W, lr, G, count):
    """W -= lr (G / count): the step along a minibatch's mean gradient."""
    for j in range(W.shape[0]):
        for k in range(W.shape[1]):
            W[j, k] -= lr * (G[j, k] / count)


@njit(cache=True)
def _mlp_sgd_epoch_kernel(W1, W2, X, T, order, lr):
    W1t = np.ascontiguousarray(W1.T)  # the working copy, neurons along the rows' length
    h = np.empty(W1.shape[0], dtype=W1.dtype)
    o = np.empty(W2.shape[0], dtype=W1.dtype)
    dh, do = np.empty_like(h), np.empty_like(o)
    n_correct = 0
    _hidden_layer(W1t, X[order[0]], h)
    for n in range(order.shape[0]):
        i = order[n]
        _output_layer(W2, h, o)
        if argmax_index(o) == argmax_index(T[i]):  # counted before the update, as the book does
            n_correct += 1
        _backward_one(W2, h, o, T[i], dh, do)  # dh uses W2 before its update
        _outer_step(W2, lr, do, h)
        if n + 1 < order.shape[0]:  # W1's update fused with the next example's hidden layer
            _step_then_hidden(W1t, lr, dh, X[i], X[order[n + 1]], h)
        else:
            _outer_step_t(W1t, lr, dh, X[i])
    W1[:] = W1t.T
    return n_correct


@njit(cache=True)
def _mlp_minibatch_epoch_kernel(W1, W2, X, T, order, batch_size, lr, average_both):
    W1t = np.ascontiguousarray(W1.T)
    h = np.empty(W1.shape[0], dtype=W1.dtype)
    o = np.empty(W2.shape[0], dtype=W1.dtype)
    dh, do = np.empty_like(h), np.empty_like(o)
    G1t, G2 = np.empty_like(W1t), np.empty_like(W2)
    n_correct = 0
    for start in range(0, order.shape[0] - batch_size + 1, batch_size):
        G1t[:] = 0.0
        G2[:] = 0.0
        for b in range(start, start + batch_size):
            i = order[b]
            _hidden_layer(W1t, X[i], h)
            _output_layer(W2, h, o)
            if argmax_index(o) == argmax_index(T[i]):
                n_correct += 1
            _backward_one(W2, h, o, T[i], dh, do)
            _outer_add_t(G1t, dh, X[i])
            _outer_add(G2, do, h)
        # Ekman's Snippet F-3 steps W1 along the *sum* of the batch's gradients (only W2's
        # is divided by the batch size): average_both=False reproduces that.
        _mean_step(W1t, lr, G1t, batch_size if average_both else 1)
        _mean_step(W2, lr, G2, batch_size)
    W1[:] = W1t.T
    return n_correct


@njit(cache=True)
def _mlp_forward_kernel(W1, W2, X):
    W1t = np.ascontiguousarray(W1.T)
    h = np.empty(W1.shape[0], dtype=W1.dtype)
    O = np.empty((X.shape[0], W2.shape[0]), dtype=W1.dtype)
    for i in range(X.shape[0]):
        _hidden_layer(W1t, X[i], h)
        _output_layer(W2, h, O[i])
    return O


def check_weights(func, W1, W2):
    """The two weight matrices, checked for being updated in place and fitting each other."""
    W1 = checks.inplace(func, "W1", W1, ndim=2, shape="[n_hidden, n_in + 1]")
    W2 = checks.inplace(func, "W2", W2, ndim=2, shape="[n_out, n_hidden + 1]")
    if W2.dtype != W1.dtype:
        raise TypeError(f"{func}: W1 is {W1.dtype} but W2 is {W2.dtype}; use one float dtype")
    if W2.shape[1] != W1.shape[0] + 1:
        raise ValueError(
            f"{func}: W2 has {W2.shape[1]} columns but W1 has {W1.shape[0]} hidden neurons, "
            f"so W2 needs {W1.shape[0] + 1} (a bias column, then one per hidden neuron) {LAYOUT}"
        )
    return W1, W2


def _inputs(func, W1, X):
    X = checks.array(func, "X", X, ndim=2, shape="[n, n_in]", dtype=W1.dtype)
    if X.shape[1] != W1.shape[1] - 1:
        hint = (" (drop the bias column: the kernel adds the bias input 1 itself)"
                if X.shape[1] == W1.shape[1] else "")
        raise ValueError(
            f"{func}: X has {X.shape[1]} columns but W1 expects n_in = {W1.shape[1] - 1} "
            f"inputs{hint} {LAYOUT}"
        )
    return X


def _epoch_args(func, W1, W2, X, T, order, lr):
    W1, W2 = check_weights(func, W1, W2)
    X = _inputs(func, W1, X)
    n, n_out = X.shape[0], W2.shape[0]
    T = checks.array(func, "T", T, ndim=2, shape=f"[{n}, {n_out}] (one-hot targets)",
                       dtype=W1.dtype)
    if T.shape != (n, n_out):
        raise ValueError(
            f"{func}: T has shape {T.shape} but needs ({n}, {n_out}): one row per row of X, "
            f"one column per output neuron {LAYOUT}"
        )
    if not (np.all((T == 0) | (T == 1)) and np.all(T.sum(axis=1) == 1)):
        raise ValueError(f"{func}: T must be one-hot: each row all 0 except a single 1 "
                         f"(lessons.chapters.ch04_mnist_net.one_hot(labels) makes it)")
    order = checks.indices(func, "order", order, upper=n, shape="[k] (row indices of X)")
    if order.size == 0:
        raise ValueError(f"{func}: order is empty; pass the row indices of X to visit")
    lr = checks.number(func, "lr", lr, low=0.0, low_open=True)
    return W1, W2, X, T, order, W1.dtype.type(lr)  # lr in the weights' dtype: float32 stays so


def mlp_sgd_epoch(W1, W2, X, T, order, lr):
    """One epoch of per-example gradient descent on the 2-layer net; updates W1, W2 in place.

    W1[n_hidden, n_in + 1], W2[n_out, n_hidden + 1] (bias weights in column 0; float32 or
    float64, C-contiguous), X[n, n_in] (no bias column), T[n, n_out] one-hot, order[k] the rows
    visited, lr > 0. Each example: forward, count it if argmax(o) == argmax(t), backward,
    update. Returns the number counted correct: the book's training accuracy is
    n_correct / len(order), measured with the weights as they were just before each update.
    """
    return _mlp_sgd_epoch_kernel(*_epoch_args("mlp_sgd_epoch", W1, W2, X, T, order, lr))


def mlp_minibatch_epoch(W1, W2, X, T, order, batch_size, lr, average_both=True):
    """One epoch of minibatch gradient descent (Appendix F); updates W1, W2 in place.

    The rows of X[order] are taken batch_size at a time; every example of a batch sees the
    same weights, and after the batch both layers step along the batch's mean gradient.
    As in the book, the last len(order) % batch_size rows, which do not fill a batch, are
    skipped (neither trained on nor counted). Returns the number of the visited examples
    predicted correctly (before their batch's update); divide by
    (len(order) // batch_size) * batch_size for the training accuracy.

    average_both=False reproduces Ekman's Snippet F-3, which divides only the output layer's
    summed gradient by the batch size: the hidden layer then takes batch_size times larger
    steps. batch_size = 1 is exactly mlp_sgd_epoch (either way).
    """
    f = "mlp_minibatch_epoch"
    W1, W2, X, T, order, lr = _epoch_args(f, W1, W2, X, T, order, lr)
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    if batch_size > order.shape[0]:
        raise ValueError(
            f"{f}: batch_size={batch_size} is larger than order ({order.shape[0]} rows): no "
            f"batch would be complete, and incomplete batches are skipped"
        )
    if not isinstance(average_both, (bool, np.bool_)):
        raise TypeError(f"{f}: average_both must be True or False, got {average_both!r}")
    return _mlp_minibatch_epoch_kernel(W1, W2, X, T, order, batch_size, lr, bool(average_both))


def _forward_args(func, W1, W2, X):
    W1 = checks.array(func, "W1", W1, ndim=2, shape="[n_hidden, n_in + 1]")
    W2 = checks.array(func, "W2", W2, ndim=2, shape="[n_out, n_hidden + 1]", dtype=W1.dtype)
    if W2.shape[1] != W1.shape[0] + 1:
        raise ValueError(f"{func}: W2 has {W2.shape[1]} columns but W1 has {W1.shape[0]} "
                         f"hidden neurons, so W2 needs {W1.shape[0] + 1} {LAYOUT}")
    return W1, W2, _inputs(func, W1, X)


def mlp_forward(W1, W2, X):
    """Outputs O[n, n_out] = logistic(W2 [1; tanh(W1 [1; x])]) for every row x of X[n, n_in].

    Computed in W1's dtype (float64 unless W1 is float32), one example at a time with the
    same arithmetic as the training kernels.
    """
    return _mlp_forward_kernel(*_forward_args("mlp_forward", W1, W2, X))


def mlp_predict(W1, W2, X):
    """Predicted classes labels[n] (int64): the argmax of each row of mlp_forward(W1, W2, X)."""
    return np.argmax(_mlp_forward_kernel(*_forward_args("mlp_predict", W1, W2, X)), axis=1)
