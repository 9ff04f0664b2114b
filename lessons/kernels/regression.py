"""Chapter 06, Regression and Regularization: a small ReLU network trained by Adam on MSE.

Ekman's Boston networks (13 -> 64 -> 64 -> 1, 13 -> 128 -> 128 -> 64 -> 1, and the linear
13 -> 1) in one kernel, for any layer sizes. All parameters live in ONE flat float64 vector,
layer after layer:

    params = [W_0 (n_0 x n_1, row k = input k), b_0 (n_1), W_1 (n_1 x n_2), b_1, ...]
    sizes  = [n_0, n_1, ..., n_L]      n_0 inputs, n_L = 1 linear output

Forward, for one example x:   a_0 = x,   z_l = a_l W_l + b_l,
    a_{l+1} = relu(z_l) * keep_l       hidden layers (keep_l: inverted-dropout factors,
                                       0 for a dropped unit, 1 / (1 - rate) for a kept one)
    y_hat = z_{L-1}                    linear output unit
Loss of a batch of B examples (Keras' MSE, a mean; plus Keras' l2(lam) on every W and b):

    L = (1/B) sum_i (y_hat_i - y_i)^2  +  lam * sum(params^2)

Backward: delta_out = 2 (y_hat - y) / B;  dW_l = a_l^T delta,  db_l = sum_i delta_i;
    delta for the layer below = (delta W_l^T) * keep * [z > 0];   the L2 term adds 2 lam p.
Adam step, as Keras/TensorFlow write it (epsilon added to sqrt(v) BEFORE the correction):

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    p <- p - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

`powers` = [b1^t, b2^t] is carried between calls (starts at [1, 1]), so no pow() is ever
called: a pow from the C library may differ in its last bit between CPUs, a multiplication
never does.

Portable sums: every sum runs in a fixed order, with the SIMD lanes on independent sums
(forward: lanes over output neurons j, each adding its inputs k = 0, 1, ... in order;
weight gradients: lanes over j, examples added in batch order; backpropagated error: lanes
over the examples of the batch, neurons j in order). No fastmath, so no fused multiply-add
and no reordering: every CPU computes the same bits, which 13,000 Adam steps would
otherwise amplify into a different third decimal.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks

_LAYOUT = ("(params is the flat vector [W_0, b_0, W_1, b_1, ...] with W_l[sizes[l], "
           "sizes[l + 1]] row-major; sizes ends in 1, a single linear output)")


@njit(cache=True)
def _n_params(sizes):
    n = 0
    for l in range(sizes.shape[0] - 1):
        n += (sizes[l] + 1) * sizes[l + 1]
    return n


@njit(cache=True)
def _forward_batch(params, sizes, X, rows, keep, keep_rows, acts):
    """Forward pass of X[rows] into acts[B, sum(sizes)]; returns y_hat[B].

    acts[r, off_l: off_l + sizes[l]] holds a_l of row r (inputs, then hidden activations
    after dropout). keep[keep_rows[r], h_l + j] is unit j's dropout factor in hidden layer l.
    """
    L = sizes.shape[0] - 1
    B = rows.shape[0]
    y_hat = np.empty(B)
    for r in range(B):
        x = X[rows[r]]
        for k in range(sizes[0]):
            acts[r, k] = x[k]
        p_off = 0
        a_off = 0
        h_off = 0
        for l in range(L):
            n_in = sizes[l]
            n_out = sizes[l + 1]
            b_off = p_off + n_in * n_out
            o_off = a_off + n_in
            out = acts[r, o_off:o_off + n_out]  # views: plain 0-based loops vectorize
            out[:] = params[b_off:b_off + n_out]
            for k in range(n_in):
                ak = acts[r, a_off + k]
                w = params[p_off + k * n_out:p_off + (k + 1) * n_out]
                for j in range(n_out):
                    out[j] += ak * w[j]
            if l < L - 1:
                kr = keep_rows[r]
                for j in range(n_out):
                    z = acts[r, o_off + j]
                    acts[r, o_off + j] = z * keep[kr, h_off + j] if z > 0.0 else 0.0
                h_off += n_out
            p_off = b_off + n_out
            a_off = o_off
        y_hat[r] = acts[r, a_off]
    return y_hat


@njit(cache=True, inline="always")
def _add_layer_grad(grad, delta, acts, p_off, a_off, n_in, n_out):
    """dW = a^T delta and db = the column sums of delta for one layer, examples added in
    order; W's gradient sits at grad[p_off:], its bias's right after it."""
    b_off = p_off + n_in * n_out
    gb = grad[b_off:b_off + n_out]
    for r in range(delta.shape[0]):
        d = delta[r, :n_out]
        for k in range(n_in):
            ak = acts[r, a_off + k]
            gw = grad[p_off + k * n_out:p_off + (k + 1) * n_out]
            for j in range(n_out):
                gw[j] += ak * d[j]
        for j in range(n_out):
            gb[j] += d[j]


@njit(cache=True, inline="always")
def _delta_below(params, delta, deltaT, back, acts, keep, keep_rows, p_off, a_off, h_off,
                 n_in, n_out):
    """The layer's delta becomes the one of the hidden layer below it, in place:
    back[k, r] = sum_j W[k, j] delta[r, j] (j in order), through relu and the dropout mask."""
    B = delta.shape[0]
    for r in range(B):
        for j in range(n_out):
            deltaT[j, r] = delta[r, j]
    for k in range(n_in):
        w = params[p_off + k * n_out:p_off + (k + 1) * n_out]
        bk = back[k]
        bk[:] = 0.0
        for j in range(n_out):
            wj = w[j]
            dj = deltaT[j]
            for r in range(B):
                bk[r] += wj * dj[r]
    for r in range(B):
        kr = keep_rows[r]
        for k in range(n_in):
            # a = relu(z) * keep, so da/dz = keep where a > 0 (z > 0 and kept), else 0
            delta[r, k] = back[k, r] * keep[kr, h_off + k] if acts[r, a_off + k] > 0.0 \
                else 0.0


@njit(cache=True)
def _loss_grad(params, sizes, X, y, rows, keep, keep_rows, l2, acts, grad):
    """Loss of the batch X[rows] (MSE + l2 sum p^2) and its gradient, written into grad.
    Returns (loss, sum of squared errors, sum of absolute errors)."""
    L = sizes.shape[0] - 1
    B = rows.shape[0]
    y_hat = _forward_batch(params, sizes, X, rows, keep, keep_rows, acts)
    width = 0
    for l in range(L + 1):
        width = max(width, sizes[l])
    delta = np.zeros((B, width))
    deltaT = np.zeros((width, B))
    back = np.zeros((width, B))
    sse = 0.0
    sae = 0.0
    for r in range(B):
        e = y_hat[r] - y[rows[r]]
        sse += e * e
        sae += abs(e)
        delta[r, 0] = 2.0 * e / B
    for i in range(grad.shape[0]):
        grad[i] = 0.0
    # offsets of each layer's parameters, inputs and dropout mask columns
    p_offs = np.zeros(L + 1, np.int64)
    a_offs = np.zeros(L + 1, np.int64)
    h_offs = np.zeros(L + 1, np.int64)
    for l in range(L):
        p_offs[l + 1] = p_offs[l] + (sizes[l] + 1) * sizes[l + 1]
        a_offs[l + 1] = a_offs[l] + sizes[l]
        if l > 0:
            h_offs[l] = h_offs[l - 1] + sizes[l]
    for l in range(L - 1, -1, -1):
        _add_layer_grad(grad, delta, acts, p_offs[l], a_offs[l], sizes[l], sizes[l + 1])
        if l > 0:
            _delta_below(params, delta, deltaT, back, acts, keep, keep_rows, p_offs[l],
                         a_offs[l], h_offs[l - 1], sizes[l], sizes[l + 1])
    loss = sse / B
    if l2 > 0.0:
        penalty = 0.0
        for i in range(params.shape[0]):
            penalty += params[i] * params[i]
            grad[i] += 2.0 * l2 * params[i]
        loss += l2 * penalty
    return loss, sse, sae


@njit(cache=True)
def _adam_epoch(params, sizes, m, v, powers, X, y, order, batch_size, keep, l2, lr, beta1,
                beta2, eps):
    n = order.shape[0]
    total = 0
    for l in range(sizes.shape[0]):
        total += sizes[l]
    acts = np.zeros((min(batch_size, n), total))
    grad = np.zeros(params.shape[0])
    sse = 0.0
    sae = 0.0
    loss_sum = 0.0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        rows = order[start:stop]
        keep_rows = np.arange(start, stop)
        loss, s2, s1 = _loss_grad(params, sizes, X, y, rows, keep, keep_rows, l2,
                                  acts[: stop - start], grad)
        loss_sum += loss * (stop - start)
        sse += s2
        sae += s1
        powers[0] *= beta1
        powers[1] *= beta2
        rate = lr * np.sqrt(1.0 - powers[1]) / (1.0 - powers[0])
        for i in range(params.shape[0]):
            g = grad[i]
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            params[i] -= rate * m[i] / (np.sqrt(v[i]) + eps)
    return loss_sum / n, sse / n, sae / n


@njit(cache=True)
def _predict(params, sizes, X):
    n = X.shape[0]
    total = 0
    for l in range(sizes.shape[0]):
        total += sizes[l]
    hidden = max(total - sizes[0] - 1, 1)
    keep = np.ones((1, hidden))
    out = np.empty(n)
    acts = np.zeros((1, total))
    rows = np.zeros(1, np.int64)
    keep_rows = np.zeros(1, np.int64)
    for i in range(n):
        rows[0] = i
        out[i] = _forward_batch(params, sizes, X, rows, keep, keep_rows, acts)[0]
    return out


# --- checked entry points ---------------------------------------------------------------------

def _sizes(func, sizes):
    sizes = np.asarray(checks.sizes(func, "sizes", sizes), dtype=np.int64)
    if sizes.shape[0] < 2 or sizes[-1] != 1:
        raise ValueError(f"{func}: sizes must list the inputs, any hidden widths and a final 1 "
                         f"(one linear output), e.g. (13, 64, 64, 1); got {tuple(map(int, sizes))}")
    return sizes


def n_params(sizes):
    """Number of weights and biases of the network `sizes`: sum of (n_l + 1) n_{l+1}.
    (13, 1) -> 14, (13, 64, 64, 1) -> 5,121, (13, 128, 128, 64, 1) -> 26,625."""
    return int(_n_params(_sizes("n_params", sizes)))


def n_hidden(sizes):
    """Number of hidden units (the columns of a dropout `keep` array): sum of sizes[1:-1]."""
    return int(np.sum(_sizes("n_hidden", sizes)[1:-1]))


def _params(func, params, sizes, *, inplace):
    if inplace:
        params = checks.inplace(func, "params", params, ndim=1, shape="[n_params]")
    else:
        params = checks.array(func, "params", params, ndim=1, shape="[n_params]")
    params = params.astype(np.float64, copy=False) if not inplace else params
    if params.dtype != np.float64:
        raise TypeError(f"{func}: params must be float64 (this kernel trains in float64 so "
                        f"that every CPU gives the same bits), got {params.dtype}")
    if params.shape[0] != _n_params(sizes):
        raise ValueError(f"{func}: params has {params.shape[0]} entries but sizes "
                         f"{tuple(map(int, sizes))} needs {_n_params(sizes)} {_LAYOUT}")
    return params


def _data(func, X, y, sizes):
    X = checks.array(func, "X", X, ndim=2, shape="[n, n_inputs]").astype(np.float64, copy=False)
    if X.shape[1] != sizes[0]:
        raise ValueError(f"{func}: X has {X.shape[1]} columns but sizes[0] = {sizes[0]} inputs")
    if y is None:
        return X, None
    y = checks.array(func, "y", y, ndim=1, shape="[n]").astype(np.float64, copy=False)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"{func}: y has {y.shape[0]} targets but X has {X.shape[0]} rows")
    return X, y


def _keep(func, keep, n, sizes):
    h = int(np.sum(sizes[1:-1]))
    if keep is None:
        return np.ones((n, max(h, 1)))
    keep = checks.array(func, "keep", keep, ndim=2, shape=f"[{n}, {h}]").astype(
        np.float64, copy=False)
    if keep.shape != (n, h) or h == 0:
        raise ValueError(f"{func}: keep must be [{n}, {h}] (one row per example in the order "
                         f"visited, one column per hidden unit), got {keep.shape}")
    if np.any(keep < 0):
        raise ValueError(f"{func}: keep holds dropout factors (0 or 1 / (1 - rate)), "
                         f"got a negative value")
    return keep


def regression_loss_grad(params, sizes, X, y, *, keep=None, l2=0.0):
    """(loss, grad[n_params]) of the batch X[B, n_0], y[B]: MSE + l2 * sum(params^2).

    keep[B, n_hidden] (optional) holds each hidden unit's dropout factor for each example.
    """
    f = "regression_loss_grad"
    sizes = _sizes(f, sizes)
    params = _params(f, params, sizes, inplace=False)
    X, y = _data(f, X, y, sizes)
    keep = _keep(f, keep, X.shape[0], sizes)
    l2 = checks.number(f, "l2", l2, low=0.0)
    rows = np.arange(X.shape[0])
    acts = np.zeros((X.shape[0], int(np.sum(sizes))))
    grad = np.zeros_like(params)
    loss = _loss_grad(params, sizes, X, y, rows, keep, rows, l2, acts, grad)[0]
    return float(loss), grad


def regression_adam_epoch(params, sizes, m, v, powers, X, y, order, batch_size, *, keep=None,
                          l2=0.0, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """One epoch of minibatch Adam, in place on params, m, v and powers = [b1^t, b2^t].

    Visits X[order[0]], X[order[1]], ... in batches of batch_size (the last may be smaller);
    keep[n, n_hidden] row p holds the dropout factors of the p-th example visited. Returns
    (mean training loss, MSE, MAE) over the epoch, measured as it trains (dropout on, weights
    moving): what Keras prints in its log as loss and mean_absolute_error.
    """
    f = "regression_adam_epoch"
    sizes = _sizes(f, sizes)
    params = _params(f, params, sizes, inplace=True)
    m = checks.inplace(f, "m", m, ndim=1, shape="[n_params]")
    v = checks.inplace(f, "v", v, ndim=1, shape="[n_params]")
    powers = checks.inplace(f, "powers", powers, ndim=1, shape="[2]")
    for name, a, want in (("m", m, params.shape), ("v", v, params.shape), ("powers", powers, (2,))):
        if a.shape != want or a.dtype != np.float64:
            raise ValueError(f"{f}: {name} must be float64 of shape {want}, got {a.dtype} "
                             f"{a.shape}")
    X, y = _data(f, X, y, sizes)
    order = checks.indices(f, "order", order, upper=X.shape[0])
    batch_size = checks.number(f, "batch_size", batch_size, low=1, integer=True)
    keep = _keep(f, keep, order.shape[0], sizes)
    l2 = checks.number(f, "l2", l2, low=0.0)
    lr = checks.number(f, "lr", lr, low=0.0, low_open=True)
    beta1 = checks.number(f, "beta1", beta1, low=0.0, high=1.0)
    beta2 = checks.number(f, "beta2", beta2, low=0.0, high=1.0)
    eps = checks.number(f, "eps", eps, low=0.0, low_open=True)
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if beta >= 1.0:  # 1 - beta^t would be 0: the bias correction divides by it
            raise ValueError(f"{f}: {name} must be in [0, 1), got {beta}")
    if order.shape[0] == 0:
        raise ValueError(f"{f}: order is empty (no example to train on)")
    loss, mse, mae = _adam_epoch(params, sizes, m, v, powers, X, y, order, batch_size, keep,
                                 l2, lr, beta1, beta2, eps)
    return float(loss), float(mse), float(mae)


def regression_predict(params, sizes, X):
    """y_hat[n] of the network (no dropout: inference uses every unit)."""
    f = "regression_predict"
    sizes = _sizes(f, sizes)
    params = _params(f, params, sizes, inplace=False)
    X, _ = _data(f, X, None, sizes)
    return _predict(params, sizes, X)
