"""Chapter 03, Sigmoid Neurons and Backpropagation: losses and their gradients.

Each loss returns (loss, gradient with respect to its first argument); the loss is a Python
float accumulated in float64, the gradient has the input's shape and float dtype.

- half_sse: Ekman's e = sum (t - y)^2 / 2, *summed* over every entry. The 1/2 makes the
  gradient plain y - t; the sum (no mean) keeps the book's per-example numbers.
- binary_cross_entropy: -[t log p + (1 - t) log(1 - p)], *averaged* over every entry as
  Keras does (Chollet, chapter 3).
- softmax_cross_entropy: -log softmax(z)[label] from the logits, averaged over the batch;
  its gradient is (softmax(z) - onehot(label)) / B.
"""
import numpy as np
from numba import njit

from lessons.kernels import checks, registry
from lessons.kernels.fixed_order import exp_neg

# Keras' epsilon: keeps log(p) and log(1 - p) finite when a sigmoid saturates to 0 or 1.
BCE_EPS = 1e-7


@njit(cache=True)
def _half_sse_kernel(y, t):
    dy = np.empty_like(y)
    loss = 0.0
    for i in range(y.shape[0]):
        r = y[i] - t[i]
        loss += 0.5 * r * r
        dy[i] = r
    return loss, dy


@njit(cache=True)
def _binary_cross_entropy_kernel(p, t, eps):
    n = p.shape[0]
    dp = np.empty_like(p)
    loss = 0.0
    for i in range(n):
        q = min(max(p[i], eps), 1.0 - eps)
        loss -= t[i] * np.log(q) + (1.0 - t[i]) * np.log(1.0 - q)
        # d/dp of the clipped loss would be 0 where p was clipped; the slope at q instead
        # still points a saturated, wrong prediction the right way.
        dp[i] = (q - t[i]) / (q * (1.0 - q) * n)
    return loss / n, dp


@njit(cache=True, inline="always")
def exp_shifted(z, out):
    """out = e^(z - max z) for one row; returns (max z, sum of out). out may be z itself
    (the softmaxes of lessons.kernels.seq2seq_attention and mlp_adam work in place).

    Shifting by the maximum leaves softmax unchanged and keeps every exponent <= 0, so
    nothing overflows and the largest term is exactly 1 (the sum never underflows).
    """
    m = z[0]
    for k in range(1, z.shape[0]):
        m = max(m, z[k])
    for k in range(z.shape[0]):  # a loop of its own, which vectorizes
        out[k] = exp_neg(m - z[k])
    s = 0.0
    for k in range(z.shape[0]):
        s += out[k]
    return m, s


@njit(cache=True)
def _softmax_kernel(Z):
    P = np.empty_like(Z)
    for i in range(Z.shape[0]):
        _, s = exp_shifted(Z[i], P[i])
        P[i] /= s
    return P


@njit(cache=True)
def _softmax_cross_entropy_kernel(Z, labels):
    B = Z.shape[0]
    dZ = np.empty_like(Z)
    loss = 0.0
    for i in range(B):
        m, s = exp_shifted(Z[i], dZ[i])
        # -log(e^(z_label - m) / s) = log s - (z_label - m): never the log of an underflowed p
        loss += np.log(s) - (Z[i, labels[i]] - m)
        dZ[i] /= s * B
        dZ[i, labels[i]] -= 1.0 / B
    return loss / B, dZ


def _same_shape(func, y_name, Y, t_name, T):
    Y = checks.array(func, y_name, Y, ndim=None, shape="[...] (any shape)")
    T = checks.array(func, t_name, T, ndim=None, shape=f"{Y.shape} (the shape of {y_name})")
    if T.shape != Y.shape:
        raise ValueError(
            f"{func}: {t_name} has shape {T.shape} but {y_name} has shape {Y.shape} "
            f"(one target per output)"
        )
    dtype = np.result_type(Y, T)
    return Y.astype(dtype, copy=False), T.astype(dtype, copy=False)


def half_sse(Y, T):
    """(loss, dY) for loss = sum (T - Y)^2 / 2 over every entry; dY = Y - T (same shape as Y).

    Y: the network's outputs, T: the targets, any shape as long as they match.
    """
    Y, T = _same_shape("half_sse", "Y", Y, "T", T)
    loss, dY = _half_sse_kernel(Y.reshape(-1), T.reshape(-1))
    return float(loss), dY.reshape(Y.shape)


def binary_cross_entropy(P, T):
    """(loss, dP) for loss = mean of -[T log P + (1 - T) log(1 - P)] over every entry.

    P: predicted probabilities in [0, 1] (a sigmoid's output, not the logits), T: targets in
    [0, 1], same shape. P is clipped to [1e-7, 1 - 1e-7] so the loss stays finite; dP is the
    slope at the clipped value, (P - T) / (P (1 - P) n) with n = P.size.
    """
    f = "binary_cross_entropy"
    P, T = _same_shape(f, "P", P, "T", T)
    for name, a in (("P", P), ("T", T)):
        if a.min() < 0.0 or a.max() > 1.0:
            hint = " (pass sigmoid(Z), not the logits Z)" if name == "P" else ""
            raise ValueError(
                f"{f}: {name} must hold probabilities in [0, 1]{hint}, "
                f"got values in [{a.min():.4g}, {a.max():.4g}]"
            )
    loss, dP = _binary_cross_entropy_kernel(P.reshape(-1), T.reshape(-1), BCE_EPS)
    return float(loss), dP.reshape(P.shape)


def _logits(func, Z):
    return checks.array(func, "Z", Z, ndim=2,
                          shape="[B, n_classes] (one row of logits per example)")


def softmax(Z):
    """P[B, K]: each row of the logits Z[B, K] turned into probabilities that sum to 1.

    p_k = e^(z_k) / sum_j e^(z_j), computed with the row maximum subtracted first.
    """
    return _softmax_kernel(_logits("softmax", Z))


@registry.course_kernel
def softmax_cross_entropy(Z, labels):
    """(loss, dZ) for the mean over the batch of -log softmax(Z[i])[labels[i]].

    Z[B, K]: logits (no softmax applied); labels[B]: integer class indices 0..K-1.
    dZ[B, K] = (softmax(Z) - onehot(labels)) / B. Computed from the logits with log-sum-exp,
    so huge logits neither overflow nor give log(0).
    """
    f = "softmax_cross_entropy"
    Z = _logits(f, Z)
    B, K = Z.shape
    labels = np.asarray(labels)
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{f}: labels must hold integer class indices, got dtype {labels.dtype}")
    if labels.shape != (B,):
        raise ValueError(
            f"{f}: labels has shape {labels.shape} but Z has {B} rows (labels is [B], one "
            f"class index per row of Z)"
        )
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(
            f"{f}: labels must be class indices 0..{K - 1} (Z has {K} columns), "
            f"got values in [{labels.min()}, {labels.max()}]"
        )
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    if registry.swapped(f):
        return registry.run(f, (Z, labels), [("loss", float), ("dZ", Z.shape)], Z.dtype)
    loss, dZ = _softmax_cross_entropy_kernel(Z, labels)
    return float(loss), dZ
