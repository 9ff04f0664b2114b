"""NumPy twins of lessons.kernels.regression: the same network, loss and Adam step, written
with matrices (one example per row), the way the chapter's formulas read."""
import numpy as np


def _layers(params, sizes):
    """[(W_l[n_l, n_{l+1}], b_l[n_{l+1}]), ...]: views into the flat params."""
    out, off = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = params[off:off + n_in * n_out].reshape(n_in, n_out)
        off += n_in * n_out
        out.append((W, params[off:off + n_out]))
        off += n_out
    return out


def _forward(params, sizes, X, keep):
    """Activations [a_0 = X, a_1, ..., y_hat[:, None]]; keep[B, n_hidden] dropout factors."""
    acts, col = [X], 0
    layers = _layers(params, sizes)
    for l, (W, b) in enumerate(layers):
        Z = acts[-1] @ W + b
        if l < len(layers) - 1:
            Z = np.maximum(Z, 0.0) * keep[:, col:col + W.shape[1]]
            col += W.shape[1]
        acts.append(Z)
    return acts


def regression_predict(params, sizes, X):
    keep = np.ones((X.shape[0], max(sum(sizes[1:-1]), 1)))
    return _forward(params, sizes, X, keep)[-1][:, 0]


def regression_loss_grad(params, sizes, X, y, *, keep=None, l2=0.0):
    B = X.shape[0]
    if keep is None:
        keep = np.ones((B, max(sum(sizes[1:-1]), 1)))
    acts = _forward(params, sizes, X, keep)
    e = acts[-1][:, 0] - y
    loss = e @ e / B + l2 * params @ params
    grads = []
    delta = (2.0 * e / B)[:, None]
    layers = _layers(params, sizes)
    col = sum(sizes[1:-1])
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        grads = [acts[l].T @ delta, delta.sum(axis=0)] + grads
        if l:
            col -= W.shape[0]
            delta = (delta @ W.T) * np.where(acts[l] > 0, keep[:, col:col + W.shape[0]], 0.0)
    grad = np.concatenate([g.ravel() for g in grads]) + 2.0 * l2 * params
    return loss, grad


def regression_adam_epoch(params, sizes, m, v, powers, X, y, order, batch_size, *, keep=None,
                          l2=0.0, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    n = len(order)
    if keep is None:
        keep = np.ones((n, max(sum(sizes[1:-1]), 1)))
    loss_sum = sse = sae = 0.0
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        e = _forward(params, sizes, X[rows], keep[start:start + batch_size])[-1][:, 0] - y[rows]
        loss, g = regression_loss_grad(params, sizes, X[rows], y[rows],
                                       keep=keep[start:start + batch_size], l2=l2)
        loss_sum += loss * len(rows)
        sse += e @ e
        sae += np.abs(e).sum()
        powers *= (beta1, beta2)
        m[:] = beta1 * m + (1 - beta1) * g
        v[:] = beta2 * v + (1 - beta2) * g * g
        params -= lr * np.sqrt(1 - powers[1]) / (1 - powers[0]) * m / (np.sqrt(v) + eps)
    return loss_sum / n, sse / n, sae / n
