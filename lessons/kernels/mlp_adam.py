"""Chapter 05, Toward Deep Learning: the fused Adam trainer for Ekman's Table 5-1.

Configurations 3-5 of Table 5-1 train the 784-25-10 network with Adam, two of them with
batch size 1: 60,000 Adam updates of all 19,885 weights per epoch. Through the layer objects
(lessons.layers + lessons.optim.Adam) that took about 8 s an epoch on this course's machines,
too slow for a chapter with ten epochs in its checked cells. This kernel does the same
arithmetic in one compiled loop, with the layout of Chapter 04's fused trainer
(lessons.kernels.mlp):

    W1[n_hidden, n_in + 1], W2[n_out, n_hidden + 1]   bias weights in column 0
    M1, V1 like W1 and M2, V2 like W2                 Adam's running moments (start at 0)
    hidden: "tanh" or "relu"      h = act(W1 [1; x])
    output: "sigmoid_mse"         o = logistic(W2 [1; h]), loss mean_k (t_k - o_k)^2 (Keras'
                                  mean_squared_error: averaged over the n_out outputs, so
                                  dL/do = 2 (o - t) / n_out)
            "softmax_ce"          o = softmax(W2 [1; h]), loss -sum_k t_k ln o_k, dL/dz = o - t

After each batch of `batch_size` examples (its gradient is the batch mean), every weight w
with gradient g takes Adam's step (Kingma & Ba 2015, Algorithm 1; step number t = 1, 2, ...):

    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
    w <- w - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

the update lessons.optim.Adam makes. The last len(order) % batch_size rows are skipped, as in
Chapter 04's minibatch kernel.

Portable sums, as in lessons.kernels.mlp: W1 and its moments are worked on transposed, so the
SIMD lanes are different hidden neurons and every sum adds its terms in the order k = 0, 1, ...
on every CPU. Everything else is elementwise (sqrt and division are exactly rounded).

The helpers it shares with that trainer (affine_in_order, argmax_index, check_weights,
LAYOUT) come from lessons.kernels.mlp; the sigmoid and tanh from lessons.kernels.fixed_order,
the softmax's exps from lessons.kernels.losses.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks
from lessons.kernels.fixed_order import sigma_scalar, tanh_scalar
from lessons.kernels.losses import exp_shifted
from lessons.kernels.mlp import LAYOUT, affine_in_order, argmax_index, check_weights


HIDDEN = {"tanh": 0, "relu": 1}
OUTPUT = {"sigmoid_mse": 0, "softmax_ce": 1}


@njit(cache=True, inline="always")
def _hidden(W1t, x, z, h, act):
    """z = W1 [1; x] (neuron j's sum in order k = 0, 1, ...), h = act(z)."""
    affine_in_order(W1t, x, z)
    for j in range(z.shape[0]):
        if act == 0:
            h[j] = tanh_scalar(z[j])
        else:
            h[j] = z[j] if z[j] > 0.0 else 0.0


@njit(cache=True, inline="always")
def _output(W2, h, o, out):
    """o = logistic(W2 [1; h]) or softmax(W2 [1; h]), written into o."""
    for j in range(W2.shape[0]):
        s = W2[j, 0]
        for k in range(h.shape[0]):
            s += W2[j, k + 1] * h[k]
        o[j] = s
    if out == 0:
        for j in range(o.shape[0]):
            o[j] = sigma_scalar(o[j])
    else:
        _, total = exp_shifted(o, o)
        for j in range(o.shape[0]):
            o[j] = o[j] / total


@njit(cache=True)
def _logits_kernel(W1, W2, X, act):
    W1t = np.ascontiguousarray(W1.T)
    z = np.empty(W1.shape[0], dtype=W1.dtype)
    h = np.empty_like(z)
    Z = np.empty((X.shape[0], W2.shape[0]), dtype=W1.dtype)
    for i in range(X.shape[0]):
        _hidden(W1t, X[i], z, h, act)
        for j in range(W2.shape[0]):
            s = W2[j, 0]
            for k in range(h.shape[0]):
                s += W2[j, k + 1] * h[k]
            Z[i, j] = s
    return Z


@njit(cache=True, inline="always", error_model="numpy")
def _adam(W, M, V, G, scale, beta1, beta2, one_m_beta1, one_m_beta2, lr_c1, inv_c2, eps):
    """Adam's step on every weight of W (1-D views) with gradient G * scale.

    Every constant is in the weights' dtype, so the loop stays in it and vectorizes (a
    float64 constant would make each float32 weight take a round trip through float64; that
    version ran 30 times slower). lr_c1 = lr / (1 - beta1^t), inv_c2 = 1 / (1 - beta2^t).
    """
    for i in range(W.shape[0]):
        g = G[i] * scale
        m = beta1 * M[i] + one_m_beta1 * g
        v = beta2 * V[i] + one_m_beta2 * (g * g)
        M[i] = m
        V[i] = v
        W[i] -= lr_c1 * m / (np.sqrt(v * inv_c2) + eps)


@njit(cache=True, error_model="numpy")  # NumPy's x / 0 = inf: no check to block SIMD
def _mlp_adam_epoch_kernel(W1, W2, M1, V1, M2, V2, X, T, order, t, batch_size, lr, beta1,
                           beta2, eps, act, out):
    W1t = np.ascontiguousarray(W1.T)
    M1t, V1t = np.ascontiguousarray(M1.T), np.ascontiguousarray(V1.T)
    G1t, G2 = np.zeros_like(W1t), np.zeros_like(W2)
    z = np.empty(W1.shape[0], dtype=W1.dtype)
    h, dh = np.empty_like(z), np.empty_like(z)
    o = np.empty(W2.shape[0], dtype=W1.dtype)
    do = np.empty_like(o)
    n_out = o.shape[0]
    dt = W1.dtype.type
    scale = dt(1.0 / batch_size)
    one_m_beta1, one_m_beta2 = dt(1.0 - beta1), dt(1.0 - beta2)
    n_correct = 0
    for start in range(0, order.shape[0] - batch_size + 1, batch_size):
        G1t[:] = 0.0
        G2[:] = 0.0
        for b in range(start, start + batch_size):
            i = order[b]
            x = X[i]
            _hidden(W1t, x, z, h, act)
            _output(W2, h, o, out)
            if argmax_index(o) == argmax_index(T[i]):  # counted before the batch's update
                n_correct += 1
            for j in range(n_out):
                if out == 0:
                    do[j] = (2.0 / n_out) * (o[j] - T[i, j]) * o[j] * (1.0 - o[j])
                else:
                    do[j] = o[j] - T[i, j]
            for k in range(h.shape[0]):
                s = 0.0
                for j in range(n_out):
                    s += W2[j, k + 1] * do[j]
                if act == 0:
                    dh[k] = (1.0 - h[k] * h[k]) * s
                else:
                    dh[k] = s if z[k] >= 0.0 else 0.0
            for j in range(n_out):
                G2[j, 0] += do[j]
                for k in range(h.shape[0]):
                    G2[j, k + 1] += do[j] * h[k]
            for j in range(dh.shape[0]):
                G1t[0, j] += dh[j]
            for k in range(x.shape[0]):
                for j in range(dh.shape[0]):
                    G1t[k + 1, j] += dh[j] * x[k]
        t += 1
        lr_c1 = dt(lr / (1.0 - np.float64(beta1) ** t))
        inv_c2 = dt(1.0 / (1.0 - np.float64(beta2) ** t))
        for W, M, V, G in ((W1t, M1t, V1t, G1t), (W2, M2, V2, G2)):
            _adam(W.reshape(-1), M.reshape(-1), V.reshape(-1), G.reshape(-1), scale, beta1,
                  beta2, one_m_beta1, one_m_beta2, lr_c1, inv_c2, eps)
    W1[:] = W1t.T
    M1[:] = M1t.T
    V1[:] = V1t.T
    return n_correct, t


def _moments(func, W1, W2, M1, V1, M2, V2):
    arrays = []
    for name, a, like in (("M1", M1, W1), ("V1", V1, W1), ("M2", M2, W2), ("V2", V2, W2)):
        a = checks.inplace(func, name, a, ndim=2, shape=f"{list(like.shape)} (like "
                           f"{'W1' if like is W1 else 'W2'})")
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"{func}: {name} must be a {like.dtype} array shaped like "
                             f"{'W1' if like is W1 else 'W2'} {like.shape}, got {a.dtype} "
                             f"{a.shape} (start it at np.zeros_like)")
        arrays.append(a)
    if np.any(arrays[1] < 0) or np.any(arrays[3] < 0):
        raise ValueError(f"{func}: V1 and V2 are running means of squared gradients and "
                         f"cannot be negative")
    return arrays


def _adam_inputs(func, W1, X):
    X = checks.array(func, "X", X, ndim=2, shape="[n, n_in]", dtype=W1.dtype)
    if X.shape[1] != W1.shape[1] - 1:
        raise ValueError(f"{func}: X has {X.shape[1]} columns but W1 expects n_in = "
                         f"{W1.shape[1] - 1} inputs (no bias column in X) {LAYOUT}")
    return X


def mlp_adam_epoch(W1, W2, M1, V1, M2, V2, X, T, order, t, *, batch_size=1, lr=1e-3,
                   beta1=0.9, beta2=0.999, eps=1e-7, hidden="relu", output="softmax_ce"):
    """One epoch of Adam on the 2-layer net; updates W1, W2 and the moments M1, V1, M2, V2
    in place. Returns (n_correct, t): the examples predicted right (before their batch's
    update) and Adam's step count after the epoch (pass it back in for the next epoch).

    W1[n_hidden, n_in + 1], W2[n_out, n_hidden + 1] (bias weights in column 0; float32 or
    float64), moments shaped like their weights, X[n, n_in], T[n, n_out] one-hot, order[k]
    the rows visited, t >= 0 steps taken so far. hidden: "tanh" or "relu"; output:
    "sigmoid_mse" or "softmax_ce" (see the module docstring for the losses).
    """
    f = "mlp_adam_epoch"
    W1, W2 = check_weights(f, W1, W2)
    M1, V1, M2, V2 = _moments(f, W1, W2, M1, V1, M2, V2)
    X = _adam_inputs(f, W1, X)
    n, n_out = X.shape[0], W2.shape[0]
    T = checks.array(f, "T", T, ndim=2, shape=f"[{n}, {n_out}] (one-hot targets)",
                     dtype=W1.dtype)
    if T.shape != (n, n_out) or not (np.all((T == 0) | (T == 1)) and np.all(T.sum(1) == 1)):
        raise ValueError(f"{f}: T must be one-hot of shape ({n}, {n_out}), got {T.shape} "
                         f"{LAYOUT}")
    order = checks.indices(f, "order", order, upper=n, shape="[k] (row indices of X)")
    t = checks.number(f, "t", t, low=0, integer=True)
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    if batch_size > order.shape[0]:
        raise ValueError(f"{f}: batch_size={batch_size} is larger than order "
                         f"({order.shape[0]} rows): no batch would be complete")
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        beta = checks.number(f, name, beta, low=0.0)
        if beta >= 1.0:
            raise ValueError(f"{f}: {name} must be in [0, 1), got {beta}")
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    act = HIDDEN[checks.choice(f, "hidden", hidden, HIDDEN)]
    out = OUTPUT[checks.choice(f, "output", output, OUTPUT)]
    dt = W1.dtype.type
    return _mlp_adam_epoch_kernel(W1, W2, M1, V1, M2, V2, X, T, order, t, batch_size, dt(lr),
                                  dt(beta1), dt(beta2), dt(eps), act, out)


def mlp_logits(W1, W2, X, *, hidden="relu"):
    """Output pre-activations Z[n, n_out] = W2 [1; act(W1 [1; x])] for each row x of X[n, n_in].

    The predicted class is argmax(Z) for both outputs (logistic and softmax are increasing).
    """
    f = "mlp_logits"
    W1 = checks.array(f, "W1", W1, ndim=2, shape="[n_hidden, n_in + 1]")
    W2 = checks.array(f, "W2", W2, ndim=2, shape="[n_out, n_hidden + 1]", dtype=W1.dtype)
    if W2.shape[1] != W1.shape[0] + 1:
        raise ValueError(f"{f}: W2 has {W2.shape[1]} columns but W1 has {W1.shape[0]} hidden "
                         f"neurons, so W2 needs {W1.shape[0] + 1} {LAYOUT}")
    act = HIDDEN[checks.choice(f, "hidden", hidden, HIDDEN)]
    return _logits_kernel(W1, W2, _adam_inputs(f, W1, X), act)
